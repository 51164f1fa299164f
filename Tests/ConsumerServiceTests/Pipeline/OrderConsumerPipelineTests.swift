@testable import ConsumerService
import Foundation
@testable import SharedKafka
@testable import SharedLifecycle
@testable import SharedOrders
@testable import SharedPostgres
@testable import TestSupport
import Testing

/// The whole consumer pipeline against librdkafka's mock cluster and a real PostgreSQL.
@Suite struct OrderConsumerPipelineTests {
    private func header(_ message: KafkaMessage, _ name: String) -> String? {
        message.headers.first { $0.0 == name }.map { String(decoding: $0.1, as: UTF8.self) }
    }

    @Test func validOrdersAreInsertedPoisonGoesToTheDLQAndOffsetsFollowBoth() async throws {
        try await withTestPostgres { pg in
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("pipe", partitions: 2)
            try cluster.createTopic(name: topic + ".dlq", partitions: 1, replicationFactor: 1)
            let checker = try await ConsumerTestSupport.migratedClient(pg, label: "checker")
            let orders = try ConsumerTestSupport.orders(40)
            var values = orders.map { (key: Optional($0.kafkaKey), value: OrderCodec.encode($0)) }
            // Poison between valid orders: not JSON, and a total that does not match its lines.
            values.insert((Array("CUST-00001".utf8), Array("not json".utf8)), at: 10)
            var badTotal = orders[0]
            badTotal.orderID = "ORD-20261123-99999-BADTOTAL"
            badTotal.totalCents += 1
            values.insert((badTotal.kafkaKey, OrderCodec.encode(badTotal)), at: 25)
            // A duplicate delivery of an order already in the stream.
            values.append((orders[5].kafkaKey, OrderCodec.encode(orders[5])))
            try await ConsumerTestSupport.produce(cluster, topic: topic, values: values)

            let group = "g-\(topic)"
            let harness = try await ConsumerTestSupport.startPipeline(cluster: cluster, pg: pg, topic: topic, group: group)
            let done = await ConsumerTestSupport.eventually {
                let rows = (try? await ConsumerTestSupport.rowCount(checker)) ?? -1
                return rows == 40 && harness.metric("kafkatrace_consumer_dlq_sent_total") == 2
                    && harness.metric("kafkatrace_consumer_orders_duplicate_total") == 1
            }
            #expect(done)
            #expect(harness.readiness.isReady)
            try await harness.stop()

            // Every message (valid, duplicate, poison) is behind the committed offsets.
            let committed = try ConsumerTestSupport.committed(cluster, group: group, topic: topic, partitions: 2)
            #expect(committed.values.reduce(0, +) == Int64(values.count))
            #expect(try await ConsumerTestSupport.rowCount(checker) == 40)
            let distinct = try await checker.query("SELECT count(DISTINCT order_id) FROM orders").rows.first?.first
            #expect(distinct == "40")
            #expect(harness.metric("kafkatrace_consumer_orders_invalid_total", #"reason="invalid_json""#) == 1)
            #expect(harness.metric("kafkatrace_consumer_orders_invalid_total", #"reason="total_mismatch""#) == 1)

            let reader = try KafkaConsumer(configuration: ConsumerTestSupport.consumerConfiguration(cluster, group: "dlq-reader"))
            try reader.subscribe(topics: [topic + ".dlq"])
            let letters = await KafkaTestSupport.consume(reader, count: 2, timeout: .seconds(30))
            await reader.close()
            #expect(letters.count == 2)
            let byReason = Dictionary(letters.map { (header($0, "dlq_reason")?.split(separator: ":").first.map(String.init) ?? "", $0) }) { a, _ in a }
            let junk = try #require(byReason["invalid_json"])
            #expect(junk.value == Array("not json".utf8))
            #expect(junk.key == Array("CUST-00001".utf8))
            #expect(header(junk, "dlq_source_topic") == topic)
            #expect(header(junk, "dlq_source_offset") != nil)
            #expect(header(junk, "event_type") == "order.created")
            let mismatch = try #require(byReason["total_mismatch"])
            #expect(mismatch.value == OrderCodec.encode(badTotal))
            await checker.close()
        }
    }

    @Test func postgresOutageOpensTheBreakerPausesAndResumesWithoutLoss() async throws {
        try await withTestPostgres { pg in
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("outage", partitions: 3)
            try cluster.createTopic(name: topic + ".dlq", partitions: 1, replicationFactor: 1)
            let checker = try await ConsumerTestSupport.migratedClient(pg, label: "checker")
            await checker.close()
            let group = "g-\(topic)"
            let harness = try await ConsumerTestSupport.startPipeline(cluster: cluster, pg: pg, topic: topic, group: group)
            let first = try ConsumerTestSupport.orders(30, instance: "FIRST")
            try await ConsumerTestSupport.produce(cluster, topic: topic, orders: first)
            #expect(await ConsumerTestSupport.eventually { harness.metric("kafkatrace_consumer_orders_inserted_total") == 30 })

            try await pg.stop()
            let second = try ConsumerTestSupport.orders(30, instance: "SECOND")
            try await ConsumerTestSupport.produce(cluster, topic: topic, orders: second)
            // Open, and the `postgres` readiness check fails (sampled together: with a short
            // reset the breaker keeps going open → half-open → open while the server is down).
            let opened = await ConsumerTestSupport.eventually {
                let check = harness.readiness.snapshot().first { $0.name == OrderConsumerPipeline.postgresCheck }
                return harness.metric("kafkatrace_consumer_circuit_state") == 2 && check?.state.isPassing == false
                    && !harness.readiness.isReady
            }
            #expect(opened)
            // Nothing of the second batch is committed while the database is down.
            let during = try ConsumerTestSupport.committed(cluster, group: group, topic: topic, partitions: 3)
            #expect(during.values.filter { $0 > 0 }.reduce(0, +) <= 30)

            try await pg.start()
            harness.pipeline.reportPostgresHealth(failure: nil)
            let resumed = await ConsumerTestSupport.eventually(timeout: .seconds(60)) {
                harness.metric("kafkatrace_consumer_orders_inserted_total") == 60
                    && harness.metric("kafkatrace_consumer_circuit_state") == 0
            }
            #expect(resumed)
            try await harness.stop()
            let after = try await ConsumerTestSupport.migratedClient(pg, label: "after")
            #expect(try await ConsumerTestSupport.rowCount(after) == 60)
            let committed = try ConsumerTestSupport.committed(cluster, group: group, topic: topic, partitions: 3)
            #expect(committed.values.reduce(0, +) == 60)
            await after.close()
        }
    }
}
