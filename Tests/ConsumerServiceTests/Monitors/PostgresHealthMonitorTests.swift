@testable import ConsumerService
import Foundation
import Logging
@testable import SharedKafka
@testable import SharedLifecycle
@testable import SharedLogging
@testable import SharedPostgres
@testable import TestSupport
import Testing

@Suite struct PostgresHealthMonitorTests {
    private func postgresCheck(_ readiness: Readiness) -> Readiness.CheckState? {
        readiness.snapshot().first { $0.name == OrderConsumerPipeline.postgresCheck }?.state
    }

    @Test func anOutageFailsReadinessAndTheGaugeAndRecoveryRestoresBoth() async throws {
        try await withTestPostgres { pg in
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("health", partitions: 1)
            let harness = try await ConsumerTestSupport.startPipeline(cluster: cluster, pg: pg, topic: topic, group: "g-\(topic)")
            let client = try PostgresClient(url: pg.url, label: "health")
            let sink = LogSink.memory()
            let monitor = PostgresHealthMonitor(
                client: client, storeClients: [harness.storeClient], pipeline: harness.pipeline, metrics: harness.metrics,
                interval: .milliseconds(100), logger: LogSetup.makeLogger(label: "health", service: "test", sink: sink))

            #expect(await monitor.check() == nil)
            #expect(harness.metric("kafkatrace_postgres_up") == 1)
            #expect(postgresCheck(harness.readiness) == .passing)
            // The health connection just answered: idle.
            #expect(harness.metric("kafkatrace_postgres_connections", #"state="idle""#) >= 1)

            try await pg.stop()
            let failure = try #require(await monitor.check())
            #expect(failure.hasPrefix("PostgreSQL ping failed"))
            #expect(harness.metric("kafkatrace_postgres_up") == 0)
            guard case .failing(let reason)? = postgresCheck(harness.readiness) else {
                Issue.record("the postgres check should fail while PostgreSQL is down")
                return
            }
            #expect(reason.contains("PostgreSQL ping failed"))

            // The loop logs the change once each way.
            let loop = Task { try await monitor.run() }
            let warned = await ConsumerTestSupport.eventually(timeout: .seconds(10)) {
                sink.lines.contains { $0.contains("PostgreSQL health check failing") }
            }
            #expect(warned)
            try await pg.start()
            let recovered = await ConsumerTestSupport.eventually {
                sink.lines.contains { $0.contains("PostgreSQL health check passing again") }
            }
            #expect(recovered)
            #expect(harness.metric("kafkatrace_postgres_up") == 1)
            #expect(postgresCheck(harness.readiness) == .passing)
            #expect(sink.lines.filter { $0.contains("PostgreSQL health check failing") }.count == 1)
            loop.cancel()
            try await loop.value
            try await harness.stop()
        }
    }
}
