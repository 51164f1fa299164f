import Foundation
import SharedCore
import Synchronization
@testable import SharedKafka
@testable import TestSupport
import Testing

@Suite struct KafkaProducerTests {
    @Test func roundTripKeysValuesHeadersWithOneReportPerSend() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("roundtrip", partitions: 3, brokers: 3)
        let reports = Collector<DeliveryReport>()
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: reports.append)

        let count = 200
        for index in 0..<count {
            try producer.send(
                topic: topic, key: Array("customer-\(index % 7)".utf8), value: Array("order-\(index)".utf8),
                headers: [("event_type", Array("order.created".utf8)), ("seq", Array(String(index).utf8)), ("empty", [])],
                id: UInt64(index))
        }
        #expect(await producer.flush(timeout: .seconds(20)) == 0)
        #expect(await reports.wait { $0.count >= count })
        let delivered = reports.all
        #expect(delivered.count == count)
        #expect(Set(delivered.map(\.id)) == Set((0..<count).map(UInt64.init)))
        #expect(delivered.allSatisfy { $0.error == nil && $0.offset >= 0 && $0.topic == topic })

        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"))
        try consumer.subscribe(topics: [topic])
        let messages = await KafkaTestSupport.consume(consumer, count: count)
        await consumer.close()
        #expect(messages.count == count)
        for message in messages {
            let index = try #require(Int(String(decoding: message.value ?? [], as: UTF8.self).dropFirst("order-".count)))
            #expect(message.key == Array("customer-\(index % 7)".utf8))
            #expect(message.headers.map(\.0) == ["event_type", "seq", "empty"])
            #expect(message.header("event_type") == Array("order.created".utf8))
            #expect(message.header("seq") == Array(String(index).utf8))
            #expect(message.header("empty") == [])
            #expect(message.timestampMs != nil)
            let report = delivered.first { $0.id == UInt64(index) }
            #expect(report?.partition == message.partition && report?.offset == message.offset)
        }
    }

    /// A null value (tombstone) and an empty value are different on the wire and stay so.
    @Test func nullAndEmptyValuesRoundTripAsThemselves() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("nullvalue", partitions: 1)
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: { _ in })
        try producer.send(topic: topic, key: Array("null".utf8), value: nil, id: 1)
        try producer.send(topic: topic, key: Array("empty".utf8), value: [], id: 2)
        try producer.send(topic: topic, key: Array("bytes".utf8), value: [7], id: 3)
        #expect(await producer.flush(timeout: .seconds(20)) == 0)
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"))
        try consumer.subscribe(topics: [topic])
        let messages = await KafkaTestSupport.consume(consumer, count: 3)
        await consumer.close()
        await producer.close()
        let byKey = Dictionary(uniqueKeysWithValues: messages.map { (String(decoding: $0.key ?? [], as: UTF8.self), $0.value) })
        #expect(byKey.count == 3)
        #expect(byKey["null"] == .some(nil))
        #expect(byKey["empty"] == .some([]))
        #expect(byKey["bytes"] == .some([7]))
    }

    @Test func queueFullThrowsAndBoundedSendWaitsForRoom() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("queuefull", partitions: 1)
        try cluster.setBrokerRTT(1, rtt: .milliseconds(100))
        let reports = Collector<DeliveryReport>()
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster, ["queue.buffering.max.messages": "10"]),
            onDeliveryReport: reports.append)

        var sent = 0
        var sawQueueFull = false
        for index in 0..<50 {
            do {
                try producer.send(topic: topic, key: nil, value: [UInt8(index)], id: UInt64(index))
                sent += 1
            } catch {
                #expect(error.code == .queueFull && error.isRetriable)
                sawQueueFull = true
                break
            }
        }
        #expect(sawQueueFull)
        #expect(sent == 10)
        #expect(producer.queueFullCount >= 1)
        // The bounded send waits for deliveries to make room.
        for index in sent..<(sent + 20) {
            try await producer.send(
                topic: topic, key: nil, value: [UInt8(index)], id: UInt64(index), enqueueTimeout: .seconds(15))
        }
        #expect(await producer.flush(timeout: .seconds(20)) == 0)
        #expect(await reports.wait { $0.count == sent + 20 })
        #expect(reports.all.allSatisfy { $0.error == nil })
    }

    @Test func boundedSendThrowsWhenQueueStaysFull() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("stuck", partitions: 1)
        try cluster.setBrokerDown(1)
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster, ["queue.buffering.max.messages": "2"]),
            onDeliveryReport: { _ in })
        try producer.send(topic: topic, key: nil, value: [1], id: 1)
        try producer.send(topic: topic, key: nil, value: [2], id: 2)
        await #expect {
            try await producer.send(topic: topic, key: nil, value: [3], id: 3, enqueueTimeout: .milliseconds(200))
        } throws: { error in
            guard let error = error as? KafkaError, case .enqueueTimedOut = error else { return false }
            return error.code == .queueFull
        }
        #expect(producer.outQueueLength == 2)
    }

    @Test func brokerOutageDelaysButLosesNothing() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("outage", partitions: 1, brokers: 3)
        try cluster.setPartitionLeader(topic: topic, partition: 0, broker: 2)
        let reports = Collector<DeliveryReport>()
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: reports.append)
        try producer.send(topic: topic, key: nil, value: [0], id: 0)
        #expect(await reports.wait { $0.count == 1 })

        try cluster.setBrokerDown(2)
        for index in 1...50 {
            try producer.send(topic: topic, key: nil, value: [UInt8(index)], id: UInt64(index))
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(reports.count == 1)  // nothing can be delivered while the leader is down
        // Out-queue length also counts librdkafka events not yet served (e.g. the broker-down
        // error), so it is at least the 50 undeliverable messages.
        #expect(producer.outQueueLength >= 50)
        try cluster.setBrokerUp(2)
        #expect(await producer.flush(timeout: .seconds(25)) == 0)
        #expect(await reports.wait { $0.count == 51 })
        #expect(Set(reports.all.map(\.id)) == Set(0...50))
        #expect(reports.all.allSatisfy { $0.error == nil })
        let offsets = reports.all.map(\.offset).sorted()
        #expect(offsets == Array(0...50))  // idempotent: no duplicates, no gaps
        // Produce-to-ack latency comes from librdkafka's enqueue time: the 50 sent while the
        // leader was down waited at least the 500 ms before it came back (a lower bound the
        // test itself sets, not a speed claim).
        let delayed = reports.all.filter { $0.id > 0 }
        #expect(delayed.allSatisfy { $0.latency >= .milliseconds(500) })
    }

    @Test func metadataListsBrokersTopicsAndPartitions() async throws {
        let cluster = try RDKafkaMockCluster(brokers: 3)
        let topic = KafkaTestSupport.uniqueTopic("meta")
        try cluster.createTopic(name: topic, partitions: 4, replicationFactor: 2)
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: { _ in })
        let metadata = try await producer.metadata(topic: nil, timeout: .seconds(10))
        #expect(metadata.brokers.map(\.id).sorted() == [1, 2, 3])
        #expect(metadata.brokers.allSatisfy { $0.port > 0 && !$0.host.isEmpty })
        let described = try #require(metadata.topic(topic))
        #expect(described.error == .noError)
        #expect(described.partitions.map(\.id) == [0, 1, 2, 3])
        #expect(described.partitions.allSatisfy { $0.replicas.contains($0.leader) && $0.leader >= 1 && $0.error == .noError })
        let single = try await producer.metadata(topic: topic, timeout: .seconds(10))
        #expect(single.topics.map(\.name) == [topic])
    }

    /// librdkafka 2.0.2's mock cluster has no controller, so the Admin API cannot create topics
    /// there (the dev cluster pre-creates them); we check the failure is typed and bounded.
    @Test func createTopicReportsTypedErrors() async throws {
        let cluster = try RDKafkaMockCluster(brokers: 1)
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: { _ in })
        await #expect {
            try await producer.createTopic(name: "bad", partitions: 0, replicationFactor: 1, timeout: .seconds(1))
        } throws: { error in
            guard case .invalidArgument(_, let reason)? = error as? KafkaError else { return false }
            return reason.contains("≥ 1")
        }
        await #expect {
            try await producer.createTopic(name: "new-topic", partitions: 2, replicationFactor: 1, timeout: .milliseconds(500))
        } throws: { error in
            (error as? KafkaError)?.code == .timedOut
        }
    }

    @Test func statisticsCallbackDeliversParsableJSON() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("stats", partitions: 1)
        let stats = Collector<String>()
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster, ["statistics.interval.ms": "100"]),
            onDeliveryReport: { _ in }, onStatistics: stats.append)
        try producer.send(topic: topic, key: nil, value: [1, 2, 3], id: 7)
        _ = await producer.flush(timeout: .seconds(10))
        #expect(await stats.wait { documents in
            documents.contains { ((try? KafkaStatistics.parse($0))?.txBytes ?? 0) > 0 }
        })
        let parsed = try KafkaStatistics.parse(try #require(stats.all.last))
        #expect(parsed.type == "producer")
        #expect(parsed.brokers.map(\.nodeID) == [1])
        #expect(parsed.brokers[0].txBytes > 0)
    }

    /// `serveReadyCallbacks` serves ready reports on the caller's thread. A race with the poll
    /// thread would decide nothing under load (a spinning caller loses to the woken poll thread),
    /// so the poll thread is held: a report it serves blocks it in the callback until the end.
    /// If it takes the first report, only the caller can serve the second.
    @Test func aSenderServesReadyReportsOnItsOwnThread() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("serve", partitions: 1, brokers: 1)
        let caller = OSThread.current  // no suspension point until `close`: the test stays on it
        let threads = Collector<OSThread.ID>()
        let released = Mutex(false)
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster),
            onDeliveryReport: { _ in
                let thread = OSThread.current
                threads.append(thread)
                guard thread != caller else { return }
                let deadline = ContinuousClock.now + .seconds(20)
                while !released.withLock({ $0 }), ContinuousClock.now < deadline {
                    OSThread.sleep(for: .milliseconds(1))
                }
            })
        for index in 0..<2 {
            try producer.send(topic: topic, key: nil, value: [UInt8(index)], id: UInt64(index))
            let deadline = ContinuousClock.now + .seconds(10)
            while threads.count <= index, ContinuousClock.now < deadline { producer.serveReadyCallbacks() }
        }
        released.withLock { $0 = true }
        #expect(threads.count == 2)
        #expect(threads.all.contains(caller))
        await producer.close()
        producer.serveReadyCallbacks()  // closed: does nothing
    }

    @Test func closedProducerRefusesSends() async throws {
        let cluster = try RDKafkaMockCluster(brokers: 1)
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster), onDeliveryReport: { _ in })
        await producer.close()
        #expect(throws: KafkaError.self) { try producer.send(topic: "t", key: nil, value: [1], id: 1) }
    }

    @Test func refusedPropertyIsAConfigurationError() {
        #expect {
            _ = try KafkaProducer(properties: ["no.such.property": "1"], onDeliveryReport: { _ in })
        } throws: { error in
            guard case .configuration(let key, _, let reason)? = error as? KafkaError else { return false }
            return key == "no.such.property" && !reason.isEmpty
        }
    }
}
