import Logging
import Prometheus
import ServiceLifecycle
import SharedConfig
import SharedCore
import SharedHTTP
import SharedLifecycle
import SharedLogging
import SharedMetrics
import SharedPostgres

/// The `kafkatrace-consumer` daemon, wired: schema migrations, the group consumer pipeline
/// (validate → insert in PostgreSQL → commit offsets; invalid orders to the DLQ), PostgreSQL
/// health and lag monitors, the HTTP server with the observability routes, systemd
/// notifications and watchdog, all in one `ServiceGroup` (`DaemonRunner`).
///
/// Shutdown order (SIGTERM/SIGINT): readiness fails and systemd hears `STOPPING=1` first, then
/// the lag monitor stops, the pipeline finishes the batch in hand, commits, leaves the group and
/// closes its clients, the dead-letter producer flushes and closes, the schema service and the
/// PostgreSQL health monitor stop, and the HTTP server stops last (so `/metrics` answers
/// meanwhile).
final class ConsumerApp: Sendable {
    let config: ConsumerConfig
    let logger: Logger
    let registry: PrometheusCollectorRegistry
    let readiness: Readiness
    let metrics: ConsumerMetrics
    let pipeline: OrderConsumerPipeline
    let router: Router
    let httpServer: HTTPServer
    let runner: DaemonRunner

    /// Time kept back from `shutdown.timeout_ms` for the HTTP server to close after the pipeline.
    static let httpStopMargin = Duration.seconds(2)

    /// Builds every part; nothing connects or runs until `run()`.
    init(
        config: ConsumerConfig, logger: Logger, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        notifier: SystemdNotifier = SystemdNotifier()
    ) throws {
        self.config = config
        self.logger = logger
        self.registry = registry
        let readiness = Readiness()
        self.readiness = readiness
        registry.registerBuildInfo(service: "consumer")
        let metrics = ConsumerMetrics(registry: registry, topic: config.common.kafka.topic)
        self.metrics = metrics
        let statistics = KafkaStatisticsMetrics(registry: registry, logger: logger)

        let url = config.postgres.url
        let sslmode = config.postgres.sslMode
        let storeClients = try (1...config.consumer.writeConnections).map { lane in
            try PostgresClient(url: url, sslmode: sslmode, label: "store-\(lane)")
        }
        let healthClient = try PostgresClient(url: url, sslmode: sslmode, label: "health")
        let migrationClient = try PostgresClient(url: url, sslmode: sslmode, label: "migrate")

        let schema = SchemaMigrationService(
            migrator: PostgresMigrator(client: migrationClient), readiness: readiness, logger: logger)
        let deadLetters = try DeadLetterPublisher(
            configuration: config.deadLetterProducerConfiguration, topic: config.kafka.dlqTopic, metrics: metrics,
            onError: { error in
                logger.warning("dead-letter producer error", metadata: [LogKeys.error: "\(error)"])
            })
        let pipeline = try OrderConsumerPipeline(
            configuration: config.pipelineConfiguration, consumerConfiguration: config.kafkaConsumerConfiguration,
            stores: storeClients.map { OrderStore(client: $0) }, deadLetters: deadLetters, readiness: readiness, metrics: metrics,
            logger: logger, waitForSchema: { await schema.waitUntilApplied() },
            onStatistics: config.common.kafka.statisticsIntervalMs > 0 ? statistics.statisticsHandler : nil)
        self.pipeline = pipeline
        let health = PostgresHealthMonitor(
            client: healthClient, storeClients: storeClients, pipeline: pipeline, metrics: metrics, logger: logger)
        let lag = LagMonitor(pipeline: pipeline, metrics: metrics, stallAfter: config.consumer.stallAfter, logger: logger)

        let router = Router()
        self.router = router
        ObservabilityRoutes(readiness: readiness, registry: registry).register(on: router)
        httpServer = HTTPServer(
            configuration: config.common.http.serverConfiguration(shutdownTimeout: Self.httpStopMargin),
            router: router, metrics: HTTPMetrics(registry: registry), logger: logger)

        let memory = PeriodicService.releasingFreeMemory()

        // Everything that runs, in start order; graceful shutdown stops them in reverse, each one
        // after the next has returned: the lag monitor (it queries the group consumer) before the
        // pipeline (which closes that consumer), the dead-letter producer after the pipeline, and
        // the HTTP server last, so /metrics and /ready answer throughout.
        runner = DaemonRunner(
            services: [httpServer, memory, health, schema, deadLetters, pipeline, lag], readiness: readiness,
            logger: logger, notifier: notifier, shutdownTimeout: config.common.shutdownTimeout + .seconds(3),
            isAlive: { pipeline.isAlive })
    }

    /// Runs until shutdown; returns the process exit code (0 after a clean shutdown).
    func run() async -> Int32 {
        logger.notice(
            "kafkatrace-consumer starting",
            metadata: [
                "version": "\(KafkaTrace.version)", "brokers": "\(config.common.kafka.brokers)",
                "topic": "\(config.common.kafka.topic)", "group_id": "\(config.kafka.groupID)",
                "dlq_topic": "\(config.kafka.dlqTopic)",
                "postgres": "\(Redaction.redactPostgresURL(config.postgres.url))",
                "http": "\(config.common.http.host):\(config.common.http.port)",
            ])
        let code = await runner.run()
        logger.notice("kafkatrace-consumer stopped", metadata: ["exit_code": "\(code)"])
        return code
    }

    /// `--migrate-only`: applies the pending migrations once and returns the exit code
    /// (0 applied or already up to date, 1 when PostgreSQL refused or could not be reached).
    static func migrateOnly(config: ConsumerConfig, logger: Logger) async -> Int32 {
        let client: PostgresClient
        do {
            client = try PostgresClient(url: config.postgres.url, sslmode: config.postgres.sslMode, label: "migrate")
        } catch {
            logger.critical("invalid postgres.url", metadata: [LogKeys.error: "\(error)"])
            return 2
        }
        defer { Task { await client.close() } }
        do {
            let applied = try await PostgresMigrator(client: client).migrate()
            logger.notice(
                applied.isEmpty ? "database schema is up to date" : "applied database migrations",
                metadata: ["versions": "\(applied)", "postgres": "\(Redaction.redactPostgresURL(config.postgres.url))"])
            return 0
        } catch {
            logger.critical("database migrations failed", metadata: [LogKeys.error: "\(error)"])
            return 1
        }
    }
}
