@testable import ConsumerService
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
@testable import SharedHTTP
@testable import SharedKafka
@testable import SharedLifecycle
@testable import SharedLogging
@testable import SharedOrders
@testable import SharedPostgres
@testable import TestSupport
import Testing

extension SystemdEnvironmentSuite {
    /// The whole consumer daemon in this process: a real PostgreSQL, the mock Kafka cluster, a
    /// real HTTP socket, systemd notifications to a stub socket. Inside the serialized systemd
    /// suite because the app's `DaemonRunner` talks to whatever `NOTIFY_SOCKET` the process has.
    @Suite struct ConsumerAppTests {
        private func environment(
            _ cluster: RDKafkaMockCluster, topic: String, postgresURL: String, _ extra: [String: String] = [:]
        ) -> [String: String] {
            [
                "KAFKATRACE_KAFKA_BROKERS": cluster.bootstrapServers, "KAFKATRACE_KAFKA_TOPIC": topic,
                "KAFKATRACE_KAFKA_GROUP_ID": "g-\(topic)", "KAFKATRACE_KAFKA_DLQ_TOPIC": topic + ".dlq",
                "KAFKATRACE_POSTGRES_URL": postgresURL, "KAFKATRACE_POSTGRES_SSLMODE": "disable",
                "KAFKATRACE_HTTP_HOST": "127.0.0.1", "KAFKATRACE_HTTP_PORT": "0",
                "KAFKATRACE_KAFKA_SESSION_TIMEOUT_MS": "4000", "KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS": "100",
                "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "5000", "KAFKATRACE_CONSUMER_BREAKER_RESET_MS": "500",
                "KAFKATRACE_KAFKA_heartbeat.interval.ms": "500", "KAFKATRACE_KAFKA_log_level": "2",
            ].merging(extra) { _, new in new }
        }

        @Test func migratesStoresOrdersDeadLettersPoisonAndExitsZero() async throws {
            try await withTestPostgres { pg in
                let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("capp", partitions: 2)
                try cluster.createTopic(name: topic + ".dlq", partitions: 1, replicationFactor: 1)
                let orders = try ConsumerTestSupport.orders(30)
                var values = orders.map { (key: Optional($0.kafkaKey), value: OrderCodec.encode($0)) }
                values.insert((Array("CUST-00001".utf8), Array("{not json".utf8)), at: 7)
                try await ConsumerTestSupport.produce(cluster, topic: topic, values: values)

                let socket = try NotifySocketStub()
                defer { socket.close() }
                let sink = LogSink.memory()
                let registry = PrometheusCollectorRegistry()
                let config = try ConsumerConfig.load(
                    arguments: [], environment: environment(cluster, topic: topic, postgresURL: pg.url))
                let app = try ConsumerApp(
                    config: config, logger: LogSetup.makeLogger(label: "capp", service: "consumer", sink: sink),
                    registry: registry)
                let run = Task { await app.run() }
                defer { run.cancel() }
                let port = try await app.httpServer.waitUntilListening()
                // READY=1 needs the schema applied, the group joined and PostgreSQL answering.
                #expect(await socket.receive(until: "READY=1\nSTATUS=ready") != nil)

                let checker = try PostgresClient(url: pg.url, label: "checker")
                let stored = await ConsumerTestSupport.eventually {
                    (try? await ConsumerTestSupport.rowCount(checker)) == 30
                        && MetricsTestSupport.value(registry, "kafkatrace_consumer_dlq_sent_total") == 1
                }
                #expect(stored)
                // The lag monitor (every 5 s) publishes a series per assigned partition.
                let lagged = await ConsumerTestSupport.eventually(timeout: .seconds(30)) {
                    registry.emitToString().contains(#"kafkatrace_consumer_lag_messages{topic="\#(topic)",partition="1"} 0"#)
                }
                #expect(lagged)
                let metrics = try await offPool {
                    let client = try TestHTTPClient(port: port)
                    try client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
                    return try client.readResponse()
                }
                #expect(metrics.status == 200)
                #expect(metrics.text.contains("kafkatrace_postgres_up 1"))
                #expect(metrics.text.contains("kafkatrace_consumer_orders_inserted_total 30"))

                await app.runner.group.triggerGracefulShutdown()
                #expect(await socket.receive(until: "STOPPING=1\nSTATUS=shutting down") != nil)
                #expect(await run.value == 0)
                #expect(sink.lines.contains { $0.contains("kafkatrace-consumer stopped") && $0.contains(#""exit_code":"0""#) })
                let committed = try ConsumerTestSupport.committed(cluster, group: "g-\(topic)", topic: topic, partitions: 2)
                #expect(committed.values.reduce(0, +) == Int64(values.count))
                await checker.close()
            }
        }

        @Test func migrateOnlyAppliesTheSchemaOnceAndThenFindsItUpToDate() async throws {
            try await withTestPostgres { pg in
                let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("migrate", partitions: 1)
                let config = try ConsumerConfig.load(
                    arguments: ["--migrate-only"], environment: environment(cluster, topic: topic, postgresURL: pg.url))
                let sink = LogSink.memory()
                let logger = LogSetup.makeLogger(label: "migrate", service: "consumer", sink: sink)
                #expect(await ConsumerApp.migrateOnly(config: config, logger: logger) == 0)
                #expect(await ConsumerApp.migrateOnly(config: config, logger: logger) == 0)
                #expect(sink.lines.filter { $0.contains("applied database migrations") }.count == 1)
                #expect(sink.lines.filter { $0.contains("database schema is up to date") }.count == 1)
                let checker = try PostgresClient(url: pg.url, label: "checker")
                #expect(try await ConsumerTestSupport.rowCount(checker) == 0)  // the table exists
                await checker.close()
            }
        }

        @Test func migrateOnlyExitsOneWhenPostgresIsUnreachable() async throws {
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("nopg", partitions: 1)
            // Port 1 on loopback: nothing listens, the connection is refused at once.
            let config = try ConsumerConfig.load(
                arguments: [], environment: environment(
                    cluster, topic: topic, postgresURL: "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2"))
            let sink = LogSink.memory()
            let code = await ConsumerApp.migrateOnly(
                config: config, logger: LogSetup.makeLogger(label: "nopg", service: "consumer", sink: sink))
            #expect(code == 1)
            #expect(sink.lines.contains { $0.contains("database migrations failed") })
        }

        @Test(arguments: [
            (["--version"], 0), (["--help"], 0), (["--check-config"], 0), (["--no-such-flag"], 2),
            (["--config", "/nonexistent/kafkatrace.yaml"], 2),
        ] as [([String], Int32)])
        func commandLineExitCodesWithoutStartingTheDaemon(arguments: [String], code: Int32) async {
            #expect(await ConsumerApp.main(arguments: arguments, environment: [:]) == code)
        }
    }
}
