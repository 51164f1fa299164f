import Foundation
import Logging
@testable import ProducerService
import Prometheus
import ServiceLifecycle
@testable import SharedConfig
@testable import SharedHTTP
@testable import SharedKafka
@testable import SharedLifecycle
@testable import SharedLogging
@testable import TestSupport
import Testing

extension SystemdEnvironmentSuite {
    /// The whole producer daemon in this process: real HTTP socket, mock Kafka cluster, systemd
    /// notifications to a stub socket. Inside the serialized systemd suite because the app's
    /// `DaemonRunner` talks to whatever `NOTIFY_SOCKET` the process has.
    @Suite struct ProducerAppTests {
        private func environment(_ cluster: RDKafkaMockCluster, topic: String, _ extra: [String: String] = [:]) -> [String: String] {
            [
                "KAFKATRACE_KAFKA_BROKERS": cluster.bootstrapServers, "KAFKATRACE_KAFKA_TOPIC": topic,
                "KAFKATRACE_HTTP_HOST": "127.0.0.1", "KAFKATRACE_HTTP_PORT": "0", "KAFKATRACE_ORDER_RATE": "0",
                "KAFKATRACE_KAFKA_LINGER_MS": "1", "KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS": "100",
                "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "5000", "KAFKATRACE_PRODUCER_INSTANCE_ID": "APPT1",
                "KAFKATRACE_KAFKA_log_level": "2",
            ].merging(extra) { _, new in new }
        }

        @Test func postedOrdersReachKafkaAndShutdownExitsZero() async throws {
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("app", partitions: 2)
            let socket = try NotifySocketStub()
            defer { socket.close() }
            let sink = LogSink.memory()
            let registry = PrometheusCollectorRegistry()
            let config = try ProducerConfig.load(
                arguments: [], environment: environment(cluster, topic: topic, ["KAFKATRACE_PRODUCER_AUTH_TOKEN": "t0ken"]))
            let app = try ProducerApp(
                config: config, logger: LogSetup.makeLogger(label: "app", service: "producer", sink: sink),
                registry: registry)
            let run = Task { await app.run() }
            defer { run.cancel() }
            let port = try await app.httpServer.waitUntilListening()
            // systemd hears READY=1 only once the topic monitor saw the topic.
            #expect(await socket.receive(until: "READY=1\nSTATUS=ready") != nil)

            let body = ProducerTestSupport.orderJSON()
            let (unauthorized, delivered, metrics) = try await offPool {
                let client = try TestHTTPClient(port: port)
                try client.send("POST /v1/orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let unauthorized = try client.readResponse()
                try client.send(
                    "POST /v1/orders?wait=delivery HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer t0ken\r\n"
                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let delivered = try client.readResponse()
                try client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
                return (unauthorized, delivered, try client.readResponse())
            }
            #expect(unauthorized.status == 401)
            #expect(delivered.status == 201)
            let id = try #require(
                (try JSONSerialization.jsonObject(with: Data(delivered.body)) as? [String: Any])?["order_ids"] as? [String])
            // producer.instance_id names the ids it hands out: ORD-YYYYMMDD-NNNNN-APPT1.
            #expect(id.count == 1 && id[0].hasPrefix("ORD-") && id[0].hasSuffix("-APPT1"))
            #expect(metrics.status == 200)
            #expect(metrics.text.contains(#"kafkatrace_build_info{"#))
            #expect(metrics.text.contains("kafkatrace_producer_orders_received_total"))

            await app.runner.group.triggerGracefulShutdown()
            #expect(await socket.receive(until: "STOPPING=1\nSTATUS=shutting down") != nil)
            #expect(await run.value == 0)
            #expect(app.publisher.producer.outQueueLength == 0)
            #expect(sink.lines.contains { $0.contains("kafkatrace-producer stopped") && $0.contains(#""exit_code":"0""#) })

            let consumer = try KafkaConsumer(
                configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"))
            try consumer.subscribe(topics: [topic])
            let messages = await KafkaTestSupport.consume(consumer, count: 1)
            await consumer.close()
            #expect(messages.count == 1)
            let stored = String(decoding: messages.first?.value ?? [], as: UTF8.self)
            #expect(stored.contains(id[0]))
        }

        @Test func benchmarkModeGeneratesExactlyThatManyOrdersThenStopsByItself() async throws {
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("bench", partitions: 3)
            let socket = try NotifySocketStub()
            defer { socket.close() }
            let sink = LogSink.memory()
            let config = try ProducerConfig.load(
                arguments: [], environment: environment(cluster, topic: topic, ["KAFKATRACE_ORDER_RATE": "unlimited"]))
            let app = try ProducerApp(
                config: config, logger: LogSetup.makeLogger(label: "bench", service: "producer", sink: sink),
                benchOrders: 300)
            let run = Task { await app.run() }
            defer { run.cancel() }
            // No shutdown trigger: the benchmark ends the run once all 300 are delivered.
            #expect(await run.value == 0)
            #expect(app.publisher.enqueuedTotals.messages == 300)
            #expect(app.publisher.tracker.reportedTotals == (delivered: 300, failed: 0))
            let result = try #require(sink.lines.first { $0.contains("benchmark finished") })
            #expect(result.contains(#"\"orders\":300,\"delivered\":300,\"failed\":0"#))
        }

        @Test func aFatalKafkaErrorMakesTheExitCodeOne() async throws {
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("fatal", partitions: 1)
            let socket = try NotifySocketStub()
            defer { socket.close() }
            let config = try ProducerConfig.load(arguments: [], environment: environment(cluster, topic: topic))
            let app = try ProducerApp(
                config: config, logger: LogSetup.makeLogger(label: "fatal", service: "producer", sink: .memory()))
            let run = Task { await app.run() }
            defer { run.cancel() }
            #expect(await socket.receive(until: "READY=1\nSTATUS=ready") != nil)
            // As librdkafka's error_cb would report a fenced idempotent producer.
            app.topicMonitor.reportFatal(
                .rdkafka(code: .outOfOrderSequenceNumber, message: "fenced", context: "test", isRetriable: false, isFatal: true))
            #expect(await run.value == 1)
        }

        @Test(arguments: [
            (["--version"], 0), (["--help"], 0), (["--check-config"], 0), (["--no-such-flag"], 2),
            (["--bench-orders"], 2), (["--bench-orders", "0"], 2), (["--bench-orders=x"], 2),
            (["--config", "/nonexistent/kafkatrace.yaml"], 2),
        ] as [([String], Int32)])
        func commandLineExitCodesWithoutStartingTheDaemon(arguments: [String], code: Int32) async {
            #expect(await ProducerApp.main(arguments: arguments, environment: [:]) == code)
        }

        @Test func benchOrdersFlagIsTakenOutOfTheArguments() throws {
            var arguments = ["--log-level", "debug", "--bench-orders", "1_000", "--check-config"]
            #expect(try ProducerApp.extractBenchOrders(&arguments) == 1000)
            #expect(arguments == ["--log-level", "debug", "--check-config"])
            var joined = ["--bench-orders=25"]
            #expect(try ProducerApp.extractBenchOrders(&joined) == 25)
            #expect(joined.isEmpty)
            var none = ["--check-config"]
            #expect(try ProducerApp.extractBenchOrders(&none) == nil)
            var missing = ["--bench-orders"]
            #expect(throws: ConfigError.self) { try ProducerApp.extractBenchOrders(&missing) }
        }
    }
}
