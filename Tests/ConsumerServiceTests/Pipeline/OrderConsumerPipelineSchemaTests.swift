@testable import ConsumerService
import Logging
@testable import SharedKafka
@testable import SharedLifecycle
@testable import SharedOrders
@testable import SharedPostgres
@testable import TestSupport
import Testing

/// The pipeline joins the group only once the schema is in place (the consumer's service list
/// runs it beside `SchemaMigrationService`, not from inside it).
@Suite struct OrderConsumerPipelineSchemaTests {
    @Test func joinsTheGroupOnlyOnceTheSchemaIsInPlace() async throws {
        try await withTestPostgres { pg in
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("schema-gate", partitions: 1)
            let checker = try await ConsumerTestSupport.migratedClient(pg, label: "checker")
            try await ConsumerTestSupport.produce(cluster, topic: topic, orders: try ConsumerTestSupport.orders(5))

            let (gate, open) = AsyncStream.makeStream(of: Bool.self)
            let harness = try await ConsumerTestSupport.startPipeline(
                cluster: cluster, pg: pg, topic: topic, group: "g-\(topic)",
                waitForSchema: { for await applied in gate { return applied }; return false })
            try await Task.sleep(for: .seconds(2))
            #expect(try harness.pipeline.consumer.assignment().isEmpty)
            #expect(try await ConsumerTestSupport.rowCount(checker) == 0)
            #expect(harness.pipeline.isAlive)

            open.yield(true)
            let inserted = await ConsumerTestSupport.eventually {
                (try? await ConsumerTestSupport.rowCount(checker)) == 5
            }
            #expect(inserted)
            try await harness.stop()
            await checker.close()
        }
    }

    @Test func stopsWithoutJoiningWhenTheSchemaNeverArrives() async throws {
        try await withTestPostgres { pg in
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("schema-never", partitions: 1)
            let harness = try await ConsumerTestSupport.startPipeline(
                cluster: cluster, pg: pg, topic: topic, group: "g-\(topic)", waitForSchema: { false })
            // run() returns by itself, having never been assigned a partition, with its clients closed.
            try await harness.task.value
            #expect(harness.metric("kafkatrace_consumer_rebalances_total", #"type="assign""#) <= 0)
            #expect(throws: KafkaError.self) { try harness.pipeline.consumer.assignment() }
            #expect(harness.storeClient.connectionState == .closed)
            try await harness.stop()
        }
    }

    @Test func schemaServiceReportsTheAppliedSchemaToItsWaiter() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url, label: "migrate")
            let readiness = Readiness()
            let schema = SchemaMigrationService(
                migrator: PostgresMigrator(client: client), readiness: readiness,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            #expect(schema.isMigrating)
            let waiter = Task { await schema.waitUntilApplied() }
            let applied = await schema.migrateWithRetry()
            #expect(applied)
            #expect(readiness.snapshot().first { $0.name == SchemaMigrationService.schemaCheck }?.state == .passing)
            let run = Task { try await schema.run() }
            #expect(await waiter.value)
            run.cancel()
            try await run.value
            #expect(!schema.isMigrating)
        }
    }
}
