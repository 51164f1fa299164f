@testable import SharedKafka
@testable import TestSupport
import Testing

/// `KafkaConsumer.rewind`: resuming after a pause restarts exactly after what `poll` handed out.
@Suite struct KafkaConsumerRewindTests {
    private func value(_ message: KafkaMessage) -> Int {
        Int(String(decoding: message.value ?? [], as: UTF8.self)) ?? -1
    }

    @Test func pausedThenRewoundResumesRightAfterWhatWasHandedOut() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("rewind", partitions: 1)
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: { _ in })
        for index in 0..<50 {
            try producer.send(topic: topic, key: nil, value: Array(String(index).utf8), id: UInt64(index))
        }
        #expect(await producer.flush(timeout: .seconds(20)) == 0)

        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"))
        try consumer.subscribe(topics: [topic])
        let partition = TopicPartition(topic: topic, partition: 0)
        // Hand out the first 10; the poll thread has more of the 50 buffered behind them.
        let first = await KafkaTestSupport.consume(consumer, count: 10)
        #expect(first.map(value) == Array(0..<10))
        try consumer.pause([partition])
        try await consumer.rewind([partition])
        #expect(consumer.pausedPartitions.isEmpty)
        // What follows starts at 10: nothing skipped, nothing handed out twice.
        let rest = await KafkaTestSupport.consume(consumer, count: 40)
        #expect(rest.map(value) == Array(10..<50))
        #expect(rest.first?.offset == 10)

        // More produced after the rewind arrive too (fetching really resumed).
        for index in 50..<55 {
            try producer.send(topic: topic, key: nil, value: Array(String(index).utf8), id: UInt64(index))
        }
        #expect(await producer.flush(timeout: .seconds(20)) == 0)
        let more = await KafkaTestSupport.consume(consumer, count: 5)
        #expect(more.map(value) == Array(50..<55))
        await producer.close()
        await consumer.close()
    }
}
