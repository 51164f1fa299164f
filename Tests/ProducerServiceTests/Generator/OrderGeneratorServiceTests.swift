import Logging
@testable import ProducerService
import ServiceLifecycle
@testable import SharedKafka
@testable import SharedOrders
import Synchronization
import Testing

@Suite(.serialized) struct OrderGeneratorServiceTests {
    @Test func limitedUnlimitedRunPublishesExactlyThatManyValidOrders() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        let reached = Atomic<Bool>(false)
        let generator = try OrderGeneratorService(
            publisher: fixture.publisher, generator: OrderGenerator(ids: try OrderIDGenerator(instanceID: "GEN1")),
            rate: .unlimited, limit: 500, logger: fixture.logger, onLimitReached: { reached.store(true, ordering: .relaxed) })
        let group = ServiceGroup(services: [generator], logger: fixture.logger)
        let run = Task { try await group.run() }
        for _ in 0..<400 where !reached.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(50)) }
        let didReach = reached.load(ordering: .relaxed)
        #expect(didReach)
        await group.triggerGracefulShutdown()
        try await run.value
        #expect(generator.publishedCount == 500)
        #expect(await fixture.publisher.flush(timeout: .seconds(20)) == 0)
        #expect(fixture.metric("kafkatrace_producer_orders_generated_total") == 500)
        #expect(fixture.metric("kafkatrace_producer_orders_received_total", ["source": "generator"]) == 500)
        #expect(fixture.metric("kafkatrace_producer_messages_delivered_total") == 500)

        let messages = try await fixture.consume(count: 500)
        #expect(messages.count == 500)
        var ids = Set<String>()
        var traces = Set<String>()
        for message in messages {
            let order = try OrderCodec.decode(try #require(message.value))
            ids.insert(order.orderID)
            #expect(message.key == order.kafkaKey)
            let headers = OrderHeaders(parsing: message.headers)
            #expect(headers.isSupportedOrderEvent)
            traces.insert(try #require(headers.traceParent).traceID)
        }
        #expect(ids.count == 500)
        #expect(traces.count == 500)  // a new trace per generated order
    }

    /// The pacer anchors ticks to the start: after `elapsed` at most `rate × elapsed + 1` slots
    /// are due (a hard bound load cannot break), and every slot is either published or counted
    /// as shortfall (no silent drift). The lower bound is loose: a starved loop may not have
    /// reached the last slots yet when it is stopped.
    @Test func pacedRunAccountsForEverySlotAndNeverOutrunsItsSchedule() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        let rate = 50.0
        let generator = try OrderGeneratorService(
            publisher: fixture.publisher, generator: OrderGenerator(ids: try OrderIDGenerator(instanceID: "GEN2")),
            rate: .perSecond(rate), logger: fixture.logger)
        let group = ServiceGroup(services: [generator], logger: fixture.logger)
        let clock = ContinuousClock()
        let start = clock.now
        let run = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(1000))
        let elapsedAtStop = clock.now - start
        await group.triggerGracefulShutdown()
        try await run.value
        let elapsed = clock.now - start
        let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let published = generator.publishedCount
        let slots = published + generator.shortfallOrders
        #expect(published >= 1)
        #expect(fixture.metric("kafkatrace_producer_generator_shortfall_total") == Double(generator.shortfallOrders))
        #expect(Double(slots) <= rate * seconds(elapsed) + 1, "\(slots) slots in \(elapsed)")
        #expect(Double(slots) >= rate * seconds(elapsedAtStop) * 0.5, "\(slots) slots in \(elapsedAtStop)")
        try await Task.sleep(for: .milliseconds(100))
        #expect(generator.publishedCount == published)  // stopped
        #expect(await fixture.publisher.flush(timeout: .seconds(20)) == 0)
        #expect(fixture.metric("kafkatrace_producer_messages_delivered_total") == Double(published))
    }

    @Test func rateZeroProducesNothingAndWaitsForShutdown() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        let generator = try OrderGeneratorService(
            publisher: fixture.publisher, generator: OrderGenerator(ids: OrderIDGenerator()), rate: .disabled,
            logger: fixture.logger)
        let group = ServiceGroup(services: [generator], logger: fixture.logger)
        let run = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))
        await group.triggerGracefulShutdown()
        try await run.value
        #expect(generator.publishedCount == 0)
        #expect(fixture.publisher.enqueuedTotals.messages == 0)
    }

    /// With the only broker down and a 1-message queue, the generator waits (retrying every
    /// enqueue bound) instead of dropping; once the broker is back everything it made is delivered.
    @Test func backpressureWaitsInsteadOfDropping() async throws {
        let fixture = try ProducerFixture(queueMaxMessages: 5, enqueueTimeout: .milliseconds(50))
        defer { fixture.releaseOffPool() }
        try fixture.cluster.setBrokerDown(1)
        let generator = try OrderGeneratorService(
            publisher: fixture.publisher, generator: OrderGenerator(ids: OrderIDGenerator()), rate: .unlimited,
            logger: fixture.logger)
        let group = ServiceGroup(services: [generator], logger: fixture.logger)
        let run = Task { try await group.run() }
        // At least two 50 ms enqueue bounds must pass; wait for them (up to 10 s) instead of a
        // fixed 500 ms, which a loaded machine (the whole suite in parallel) could miss.
        for _ in 0..<200 where fixture.metric("kafkatrace_producer_backpressure_rejected_total") < 2 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(generator.publishedCount == 5)
        #expect(fixture.metric("kafkatrace_producer_backpressure_rejected_total") >= 2)
        try fixture.cluster.setBrokerUp(1)
        for _ in 0..<200 where generator.publishedCount < 50 { try await Task.sleep(for: .milliseconds(50)) }
        await group.triggerGracefulShutdown()
        try await run.value
        #expect(generator.publishedCount >= 50)
        #expect(await fixture.publisher.flush(timeout: .seconds(20)) == 0)
        #expect(fixture.metric("kafkatrace_producer_messages_delivered_total") == Double(generator.publishedCount))
        #expect(fixture.metric("kafkatrace_producer_messages_failed_total") == 0)
    }
}
