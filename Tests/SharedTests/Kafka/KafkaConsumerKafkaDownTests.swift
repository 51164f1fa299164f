import Testing
@testable import SharedKafka
@testable import TestSupport

/// Kafka gone for good: every call that waits for brokers ends within its bound, and the
/// consumer refuses queries once closed.
///
/// The mock cluster is destroyed (every listener and connection closed, so from then on each
/// reconnect attempt is refused, as when Kafka is down) while a lag query is in flight.
/// In-process this did not reproduce the endless `rd_kafka_query_watermark_offsets` that hung
/// the daemon's stop (the old code also returned here); tests/system/test_stop_broker_down.py
/// reproduces that one (it failed on its first stop before the fix). This suite pins the bounds.
@Suite struct KafkaConsumerKafkaDownTests {
    @Test func lagCommitAndCloseEndWithinTheirBoundsOnceKafkaIsGone() async throws {
        var cluster: RDKafkaMockCluster? = try RDKafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueTopic("gone")
        try cluster?.createTopic(name: topic, partitions: 2, replicationFactor: 1)
        let configuration = KafkaTestSupport.consumerConfiguration(try #require(cluster), group: "g-\(topic)")
        let consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe(topics: [topic])
        let partitions: Set = [TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)]
        #expect(await KafkaTestSupport.waitForAssignment(consumer, covering: partitions) == partitions)
        // Leaders known and connected: the lag query works while Kafka is up. Asked again until it
        // answers for both partitions: under load a rebalance (a session running out) can take the
        // assignment away for a moment, and the query then answers for fewer (once in 35 parallel
        // runs of the suite).
        var lagWhileUp: [Int64]?
        let upDeadline = ContinuousClock.now + .seconds(60)
        repeat {
            lagWhileUp = try? await consumer.lag(timeout: .seconds(10)).map(\.lag)
            if lagWhileUp == [0, 0] { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < upDeadline
        #expect(lagWhileUp == [0, 0], "the lag query while Kafka is up answered \(String(describing: lagWhileUp))")

        // The next answers take 2 s, so a lag query is in flight when Kafka goes away.
        try cluster?.setBrokerRTT(1, rtt: .seconds(2))
        let lagStarted = ContinuousClock.now
        let lag = Collector<String>()
        Task {
            do {
                lag.append("answered \(try await consumer.lag(timeout: .seconds(1)))")
            } catch {
                lag.append("\(error)")
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        cluster = nil
        #expect(await lag.wait(timeout: .seconds(10)) { !$0.isEmpty },
                "lag(timeout: 1 s) did not return within 10 s once Kafka was gone")
        #expect(ContinuousClock.now - lagStarted < .seconds(10))
        let commit = await KafkaTestSupport.finishes(within: .seconds(20)) { () -> String in
            do {
                try await consumer.commit([TopicPartitionOffset(topic: topic, partition: 0, offset: 0)])
                return "committed"
            } catch {
                return "\(error)"
            }
        }
        #expect(commit != nil, "commit did not return within 20 s with Kafka gone")
        #expect(commit != "committed")
        let bound = KafkaConsumer.closeWait + KafkaConsumer.closeTimeout
        let closed = await KafkaTestSupport.finishes(within: bound + .seconds(5)) { () -> Bool in
            await consumer.close()
            return true
        }
        #expect(closed == true, "close did not return within \(bound) + 5 s with Kafka gone")
        await #expect(throws: KafkaError.self) { try await consumer.lag() }
    }
}
