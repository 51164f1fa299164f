import Logging
@testable import ProducerService
import ServiceLifecycle
@testable import SharedKafka
@testable import SharedOrders
import Testing

@Suite struct ProducerDrainServiceTests {
    @Test func gracefulShutdownClosesIngestionAndFlushesEverything() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        try fixture.cluster.setBrokerRTT(1, rtt: .milliseconds(200))
        let gate = IngestionGate()
        let drain = ProducerDrainService(publisher: fixture.publisher, gate: gate, flushTimeout: .seconds(20), logger: fixture.logger)
        let group = ServiceGroup(services: [drain], logger: fixture.logger)
        let run = Task { try await group.run() }
        let order = try OrderValidator().makeOrder(
            from: OrderCodec.decodeDraft(Array(ProducerTestSupport.orderJSON().utf8)), generator: OrderIDGenerator())
        for _ in 0..<200 {
            _ = try await fixture.publisher.publish(order, traceParent: .generate())
        }
        #expect(fixture.publisher.tracker.inFlight > 0)
        await group.triggerGracefulShutdown()
        try await run.value
        #expect(drain.undelivered == 0)
        #expect(!gate.enter())
        #expect(fixture.metric("kafkatrace_producer_messages_delivered_total") == 200)
        #expect(fixture.metric("kafkatrace_producer_undelivered_at_shutdown") == 0)
        #expect(fixture.publisher.tracker.inFlight == 0)
    }

    @Test func flushThatTimesOutReportsWhatIsLeft() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        try fixture.cluster.setBrokerDown(1)
        let gate = IngestionGate()
        for i in 0..<10 {
            _ = try await fixture.publisher.publish(key: [], value: Array("m\(i)".utf8), headers: [])
        }
        let drain = ProducerDrainService(publisher: fixture.publisher, gate: gate, flushTimeout: .milliseconds(300), logger: fixture.logger)
        let left = await drain.drain()
        #expect(left == 10)
        #expect(drain.undelivered == 10)
        #expect(fixture.metric("kafkatrace_producer_undelivered_at_shutdown") == 10)
        #expect(await drain.drain() == 10)  // idempotent
    }

    @Test func drainWaitsForAdmittedRequestsBeforeFlushing() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        let gate = IngestionGate()
        #expect(gate.enter())
        let drain = ProducerDrainService(publisher: fixture.publisher, gate: gate, flushTimeout: .seconds(10), logger: fixture.logger)
        let drained = Task { await drain.drain() }
        try await Task.sleep(for: .milliseconds(100))
        #expect(drain.undelivered == nil)  // still waiting for the admitted request
        #expect(!gate.enter())  // but closed to new ones
        _ = try await fixture.publisher.publish(key: [], value: Array("late".utf8), headers: [])
        gate.leave()
        #expect(await drained.value == 0)
        #expect(fixture.metric("kafkatrace_producer_messages_delivered_total") == 1)
    }
}
