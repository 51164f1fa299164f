import Foundation
@testable import SharedKafka
@testable import TestSupport
import Testing

@Suite struct KafkaConsumerTests {
    private func produce(_ cluster: RDKafkaMockCluster, topic: String, count: Int, from start: Int = 0) async throws {
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: { _ in })
        for index in start..<(start + count) {
            try producer.send(
                topic: topic, key: Array("k\(index)".utf8), value: Array(String(index).utf8), id: UInt64(index))
        }
        #expect(await producer.flush(timeout: .seconds(20)) == 0)
    }

    private func value(_ message: KafkaMessage) -> Int {
        Int(String(decoding: message.value ?? [], as: UTF8.self)) ?? -1
    }

    @Test func committedOffsetsAreWhereTheNextMemberResumes() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("commit", partitions: 1, brokers: 3)
        try await produce(cluster, topic: topic, count: 30)
        let group = "g-\(topic)"
        let configuration = KafkaTestSupport.consumerConfiguration(cluster, group: group)

        let events = Collector<RebalanceEvent>()
        let first = try KafkaConsumer(configuration: configuration, onRebalance: events.append)
        try first.subscribe(topics: [topic])
        let firstBatch = await KafkaTestSupport.consume(first, count: 30)
        #expect(firstBatch.map(value) == Array(0..<30))
        // Process only the first 10: commit last processed + 1.
        try await first.commit([TopicPartitionOffset(committing: firstBatch[9])])
        #expect(try first.assignment() == [TopicPartition(topic: topic, partition: 0)])
        let lag = try await first.lag()
        #expect(lag.map(\.highWatermark) == [30])
        #expect(lag.map(\.lag) == [0])  // position is past everything read
        await first.close()
        #expect(await events.wait { $0.contains { $0.kind == .revoke } })
        #expect(events.all.first?.kind == .assign)

        // The join waits for the mock coordinator's rebalance delay; wait for it, not a clock.
        let second = try KafkaConsumer(configuration: configuration)
        try second.subscribe(topics: [topic])
        let partition = TopicPartition(topic: topic, partition: 0)
        #expect(await KafkaTestSupport.waitForAssignment(second, covering: [partition]) == [partition])
        let resumed = await KafkaTestSupport.consume(second, count: 20)
        await second.close()
        #expect(resumed.map(value) == Array(10..<30))
        #expect(resumed.first?.offset == 10)
    }

    @Test func revokeHookRunsBeforeUnassignAndCanCommit() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("revoke", partitions: 2)
        try await produce(cluster, topic: topic, count: 10)
        let configuration = KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)")
        let consumer = try KafkaConsumer(configuration: configuration)
        let inHand = Collector<KafkaMessage>()
        let hookResults = Collector<String>()
        consumer.setRevokeHook { [weak consumer] event in
            // Still assigned here, so the commit is accepted.
            let offsets = inHand.all.filter { message in
                event.partitions.contains(TopicPartition(topic: message.topic, partition: message.partition))
            }.map(TopicPartitionOffset.init(committing:))
            do {
                try consumer?.commitSync(offsets)
                hookResults.append("committed \(offsets.count)")
            } catch {
                hookResults.append("failed \(error)")
            }
        }
        try consumer.subscribe(topics: [topic])
        for message in await KafkaTestSupport.consume(consumer, count: 10) { inHand.append(message) }
        await consumer.close()
        #expect(hookResults.all.first?.hasPrefix("committed") == true)

        // The next member resumes at the committed offsets: after it has joined (however long
        // the rebalance takes), only messages produced after the close reach it.
        let next = try KafkaConsumer(configuration: configuration)
        try next.subscribe(topics: [topic])
        let partitions: Set = [TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)]
        #expect(await KafkaTestSupport.waitForAssignment(next, covering: partitions) == partitions)
        try await produce(cluster, topic: topic, count: 4, from: 10)
        let resumed = await KafkaTestSupport.consume(next, count: 4)
        await next.close()
        #expect(resumed.map(value).sorted() == Array(10..<14))  // everything in hand was committed by the hook
    }

    @Test func pausedPartitionsStopDeliveringUntilResumed() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("pause", partitions: 1)
        try await produce(cluster, topic: topic, count: 5)
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"))
        try consumer.subscribe(topics: [topic])
        #expect(await KafkaTestSupport.consume(consumer, count: 5).map(value) == Array(0..<5))

        let partition = TopicPartition(topic: topic, partition: 0)
        try consumer.pause([partition])
        #expect(consumer.pausedPartitions == [partition])
        try await produce(cluster, topic: topic, count: 5, from: 5)
        #expect(await consumer.poll(max: 5, timeout: .seconds(2)).isEmpty)
        #expect(try consumer.assignment() == [partition])  // still a member while paused

        try consumer.resume([partition])
        #expect(await KafkaTestSupport.consume(consumer, count: 5).map(value) == Array(5..<10))
        await consumer.close()
    }

    /// A full buffer holds fetching back without a pause (which would throw away what
    /// librdkafka fetched ahead) as long as the application keeps taking from it.
    @Test func smallBufferHoldsFetchingBackWithoutPausingOrLosingMessages() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("buffer", partitions: 2)
        try await produce(cluster, topic: topic, count: 300)
        var configuration = KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)")
        configuration.bufferCapacity = 20
        configuration.fullBufferWait = .seconds(30)  // no pause from a test task starved by the machine
        let consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe(topics: [topic])
        var seen: [Int] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while seen.count < 300, ContinuousClock.now < deadline {
            let batch = await consumer.poll(max: 7, timeout: .milliseconds(100))
            #expect(batch.count <= 7)
            seen += batch.map(value)
            #expect(consumer.bufferedCount <= 20 + 1_000)
        }
        #expect(consumer.internalPauseCount == 0)
        await consumer.close()
        #expect(seen.sorted() == Array(0..<300))
    }

    @Test func pollHandsOutWhatHasArrivedWithoutWaitingToFillTheBatch() async throws {
        let cluster = try RDKafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueTopic("smart")
        try cluster.createTopic(name: topic, partitions: 1, replicationFactor: 1)
        try await produce(cluster, topic: topic, count: 3)
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"))
        try consumer.subscribe(topics: [topic])
        // Far fewer than `max` exist: the poll returns with them long before its timeout
        // (the old contract waited the whole timeout for 1000).
        let started = ContinuousClock.now
        var seen = await consumer.poll(max: 1000, timeout: .seconds(60))
        #expect(!seen.isEmpty && seen.count <= 3)
        #expect(ContinuousClock.now - started < .seconds(30))
        while seen.count < 3, ContinuousClock.now - started < .seconds(30) {
            seen += await consumer.poll(max: 1000, timeout: .seconds(1))
        }
        #expect(seen.map(value) == [0, 1, 2])
        #expect(await consumer.poll(max: 1000, timeout: .zero).isEmpty)  // zero: only what is buffered
        await consumer.close()
    }

    @Test func missingGroupIDIsRefused() {
        #expect(throws: KafkaError.self) { _ = try KafkaConsumer(properties: ["bootstrap.servers": "127.0.0.1:1"]) }
    }
}
