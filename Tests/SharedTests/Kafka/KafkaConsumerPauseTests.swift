@testable import SharedCore
@testable import SharedKafka
@testable import TestSupport
import Testing

/// Pauses across a rebalance: a partition paused (by the application, or internally because
/// the buffer was full) when it is revoked comes back unpaused when it is assigned again.
///
/// librdkafka 2.0.2 keeps the application pause flag on its partition object across
/// unassign and re-assign (it resets only its own library pause), so without an explicit
/// resume on assign the partition came back paused while the wrapper counted it as fetching:
/// the consumer stopped consuming for good. Found by the soak (a paused dev cluster, then a
/// second consumer joining while the buffer was full).
@Suite struct KafkaConsumerPauseTests {
    private func value(_ message: KafkaMessage) -> Int {
        Int(String(decoding: message.value ?? [], as: UTF8.self)) ?? -1
    }

    private func produce(_ cluster: RDKafkaMockCluster, topic: String, count: Int) async throws {
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: { _ in })
        for index in 0..<count {
            try producer.send(topic: topic, key: nil, value: Array(String(index).utf8), id: UInt64(index))
        }
        #expect(await producer.flush(timeout: .seconds(20)) == 0)
        await producer.close()
    }

    /// A second member joins (every partition is revoked: eager protocol) and, once the group
    /// is stable with both, leaves again, so `first` gets its partition back through a fresh
    /// assign. Returns when that assign is done.
    private func rebalanceThroughSecondMember(
        _ cluster: RDKafkaMockCluster, topic: String, first: KafkaConsumer, events: Collector<RebalanceEvent>
    ) async throws {
        let partition = TopicPartition(topic: topic, partition: 0)
        let secondEvents = Collector<RebalanceEvent>()
        let second = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"),
            onRebalance: secondEvents.append)
        try second.subscribe(topics: [topic])
        #expect(await events.wait(timeout: .seconds(90)) { $0.contains { $0.kind == .revoke } })
        #expect(await secondEvents.wait(timeout: .seconds(90)) { $0.contains { $0.kind == .assign } })
        await second.close()
        let seen = events.count
        #expect(await events.wait(timeout: .seconds(90)) { $0.dropFirst(seen).contains { $0.kind == .assign } })
        #expect(await KafkaTestSupport.waitForAssignment(first, covering: [partition]) == [partition])
    }

    @Test func partitionPausedByTheApplicationIsFetchedAgainAfterRevokeAndAssign() async throws {
        let cluster = try RDKafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueTopic("pause-app")
        try cluster.createTopic(name: topic, partitions: 1, replicationFactor: 1)
        try await produce(cluster, topic: topic, count: 30)
        let events = Collector<RebalanceEvent>()
        let first = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"), onRebalance: events.append)
        try first.subscribe(topics: [topic])
        let partition = TopicPartition(topic: topic, partition: 0)
        #expect(await KafkaTestSupport.consume(first, count: 10).map(value) == Array(0..<10))
        try first.pause([partition])

        try await rebalanceThroughSecondMember(cluster, topic: topic, first: first, events: events)
        // The revoke ended the pause (the wrapper forgets it); the partition is fetched again,
        // from the committed offset (none: auto.offset.reset=earliest).
        #expect(first.pausedPartitions.isEmpty)
        let again = await KafkaTestSupport.consume(first, count: 30, timeout: .seconds(30))
        #expect(again.map(value) == Array(0..<30))
        await first.close()
    }

    @Test func partitionPausedForAFullBufferIsFetchedAgainAfterRevokeAndAssign() async throws {
        let cluster = try RDKafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueTopic("pause-full")
        try cluster.createTopic(name: topic, partitions: 1, replicationFactor: 1)
        try await produce(cluster, topic: topic, count: 30)
        let events = Collector<RebalanceEvent>()
        let first = try KafkaConsumer(
            properties: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)").properties,
            bufferCapacity: 4, onRebalance: events.append)
        try first.subscribe(topics: [topic])
        let partition = TopicPartition(topic: topic, partition: 0)
        // Nobody polls: the buffer fills past its bound and the partition is paused internally.
        #expect(await KafkaTestSupport.waitForAssignment(first, covering: [partition]) == [partition])
        let deadline = ContinuousClock.now + .seconds(30)
        while first.bufferedCount < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(first.bufferedCount >= 4)
        // Left full for `fullBufferWait`, the buffer pauses the partition (so callbacks are served).
        let pauseDeadline = ContinuousClock.now + .seconds(30)
        while first.internalPauseCount == 0, ContinuousClock.now < pauseDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(first.internalPauseCount == 1)

        // The revoke empties the buffer (so the poll thread lifts its pause while nothing is
        // assigned); the assign must leave the partition fetching.
        try await rebalanceThroughSecondMember(cluster, topic: topic, first: first, events: events)
        var received: [KafkaMessage] = []
        let end = ContinuousClock.now + .seconds(30)
        while received.count < 30, ContinuousClock.now < end {
            received += await first.poll(max: 2, timeout: .milliseconds(100))
        }
        #expect(received.map(value) == Array(0..<30))
        await first.close()
    }
}
