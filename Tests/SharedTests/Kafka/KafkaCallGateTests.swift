import Dispatch
import SharedCore
import Testing
@testable import SharedKafka
@testable import TestSupport

@Suite struct KafkaCallGateTests {
    @Test func closingRefusesNewCallsAndReturnsAtOnceWhenNoneIsInFlight() throws {
        let gate = KafkaCallGate()
        #expect(try gate.run("before") { () throws(KafkaError) in 1 } == 1)
        let start = ContinuousClock.now
        #expect(gate.close(waitingAtMost: .seconds(5)) == 0)
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(throws: KafkaError.self) { try gate.run("after") { () throws(KafkaError) in 2 } }
    }

    @Test func closeWaitsForTheCallInFlight() async throws {
        let gate = KafkaCallGate()
        let entered = DispatchSemaphore(value: 0)
        let finished = Collector<ContinuousClock.Instant>()
        DispatchQueue.global().async {
            _ = try? gate.run("slow query") { () throws(KafkaError) in
                entered.signal()
                OSThread.sleep(for: .milliseconds(400))
                finished.append(.now)
            }
        }
        let closed: ContinuousClock.Instant = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                entered.wait()
                #expect(gate.close(waitingAtMost: .seconds(10)) == 0)
                continuation.resume(returning: .now)
            }
        }
        let done = try #require(finished.all.first)
        #expect(done <= closed)
    }

    @Test func closeGivesUpAfterItsBoundAndReportsWhatIsStillRunning() async throws {
        let gate = KafkaCallGate()
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? gate.run("stuck query") { () throws(KafkaError) in
                entered.signal()
                release.wait()
            }
        }
        let (left, waited): (Int, Duration) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                entered.wait()
                let start = ContinuousClock.now
                let left = gate.close(waitingAtMost: .milliseconds(300))
                continuation.resume(returning: (left, ContinuousClock.now - start))
            }
        }
        release.signal()
        #expect(left == 1)
        #expect(waited >= .milliseconds(250) && waited < .seconds(5))
    }
}
