@testable import ProducerService
import Testing

@Suite struct IngestionGateTests {
    @Test func closeRefusesNewRequestsAndIdleWaitEndsWhenTheLastLeaves() async throws {
        let gate = IngestionGate()
        #expect(gate.enter())
        #expect(gate.enter())
        gate.close()
        #expect(!gate.enter())
        #expect(gate.inside == 2)
        let waiter = Task { await gate.waitUntilIdle(timeout: .seconds(30)) }
        gate.leave()
        try await Task.sleep(for: .milliseconds(50))
        gate.leave()
        #expect(await waiter.value == 0)
    }

    @Test func idleWaitGivesUpAfterItsTimeout() async {
        let gate = IngestionGate()
        #expect(gate.enter())
        #expect(await gate.waitUntilIdle(timeout: .milliseconds(50)) == 1)
        #expect(await IngestionGate().waitUntilIdle(timeout: .seconds(30)) == 0)
    }
}
