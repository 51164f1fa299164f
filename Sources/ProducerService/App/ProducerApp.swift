import Logging
import Prometheus
import ServiceLifecycle
import SharedConfig
import SharedCore
import SharedHTTP
import SharedKafka
import SharedLifecycle
import SharedMetrics
import SharedOrders

/// The `kafkatrace-producer` daemon, wired: Kafka producer (`OrderPublisher`), HTTP server with
/// the observability routes and order ingestion, order generator, topic monitor, gauge sampling,
/// shutdown drain, systemd notifications and watchdog, all in one `ServiceGroup` (`DaemonRunner`).
///
/// Shutdown order (SIGTERM/SIGINT): readiness fails and systemd hears `STOPPING=1` first, then
/// the generator stops, gauge sampling and the topic monitor stop, the drain closes ingestion
/// (503) and flushes
/// within `shutdown.timeout_ms` minus a margin for the HTTP server, and the HTTP server stops
/// last (so `/metrics` and `/ready` answer during the flush). `run()` returns 0 only when the
/// group ended cleanly and nothing was left undelivered.
final class ProducerApp: Sendable {
    let config: ProducerConfig
    let logger: Logger
    let registry: PrometheusCollectorRegistry
    let readiness: Readiness
    let metrics: ProducerMetrics
    let publisher: OrderPublisher
    let router: Router
    let httpServer: HTTPServer
    let ingestion: OrderIngestionRoutes
    let generator: OrderGeneratorService
    let topicMonitor: TopicMonitor
    let drain: ProducerDrainService
    let runner: DaemonRunner
    /// With `benchOrders`, the generator stops after that many orders and `run` prints the
    /// throughput once all are delivered (see `ProducerBenchmark`).
    let benchmark: ProducerBenchmark?

    /// Time kept back from `shutdown.timeout_ms` for the HTTP server to close after the flush.
    static let httpStopMargin = Duration.seconds(2)

    /// Builds every part; nothing runs until `run()`.
    /// - Parameters:
    ///   - benchOrders: benchmark mode: generate exactly this many orders (with `order.rate`),
    ///     report throughput once delivered, then shut down.
    init(
        config: ProducerConfig, logger: Logger, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        notifier: SystemdNotifier = SystemdNotifier(), benchOrders: Int? = nil
    ) throws {
        self.config = config
        self.logger = logger
        self.registry = registry
        let topic = config.common.kafka.topic
        let readiness = Readiness()
        self.readiness = readiness
        registry.registerBuildInfo(service: "producer")
        let metrics = ProducerMetrics(registry: registry, topic: topic)
        self.metrics = metrics
        let statistics = KafkaStatisticsMetrics(registry: registry, logger: logger)

        // The fatal-error callback is registered before the monitor exists; one raised before
        // `set` is still found by the monitor's first metadata round (rd_kafka_fatal_error).
        let monitorReference = WeakReference<TopicMonitor>()
        let publisher = try OrderPublisher(
            configuration: config.kafkaProducerConfiguration, topic: topic, enqueueTimeout: config.kafka.enqueueTimeout,
            metrics: metrics, logger: logger,
            onStatistics: config.common.kafka.statisticsIntervalMs > 0 ? statistics.statisticsHandler : nil,
            onFatalError: { monitorReference.object?.reportFatal($0) })
        self.publisher = publisher

        var monitorConfiguration = TopicMonitor.Configuration(
            topic: topic, createTopics: config.kafka.createTopics, partitions: config.kafka.topicPartitions,
            replicationFactor: config.kafka.topicReplication)
        monitorConfiguration.createTimeout = .seconds(10)
        let topicMonitor = TopicMonitor(
            producer: publisher.producer, configuration: monitorConfiguration, readiness: readiness, logger: logger)
        self.topicMonitor = topicMonitor
        monitorReference.set(topicMonitor)
        let gauges = PeriodicService(every: .seconds(1)) { publisher.sampleGauges() }
        let memory = PeriodicService.releasingFreeMemory()

        let gate = IngestionGate()
        let router = Router()
        self.router = router
        ObservabilityRoutes(readiness: readiness, registry: registry).register(on: router)
        let ids = try OrderIDGenerator(instanceID: config.instanceID)
        ingestion = OrderIngestionRoutes(
            publisher: publisher, ids: ids, gate: gate,
            configuration: .init(authToken: config.authToken, maxBodyBytes: config.common.http.maxBodyBytes),
            logger: logger)
        ingestion.register(on: router)
        httpServer = HTTPServer(
            configuration: config.common.http.serverConfiguration(shutdownTimeout: Self.httpStopMargin),
            router: router, metrics: HTTPMetrics(registry: registry), logger: logger)

        let shutdownTimeout = config.common.shutdownTimeout
        drain = ProducerDrainService(
            publisher: publisher, gate: gate,
            flushTimeout: max(.milliseconds(500), shutdownTimeout - Self.httpStopMargin), logger: logger)
        let benchmark = benchOrders.map { ProducerBenchmark(orders: $0, publisher: publisher, logger: logger) }
        self.benchmark = benchmark
        generator = try OrderGeneratorService(
            publisher: publisher, generator: OrderGenerator(ids: ids), rate: config.generatorRate,
            jitter: config.orders.jitter, burst: config.orders.burst, limit: benchOrders, logger: logger,
            onLimitReached: { benchmark?.generatorFinished() })

        // Everything that runs, in start order; graceful shutdown stops them in reverse, each one
        // after the next has returned: the generator first, then gauge sampling and the topic
        // monitor, then the drain (ingestion answers 503, the producer flushes within its bound
        // and closes), and the HTTP server last, so /metrics and /ready answer during the flush.
        runner = DaemonRunner(
            services: [httpServer, drain, topicMonitor, gauges, memory, generator], readiness: readiness, logger: logger,
            notifier: notifier, shutdownTimeout: shutdownTimeout + .seconds(3),
            isAlive: { topicMonitor.fatalError == nil })
    }

    /// Runs until shutdown; returns the process exit code.
    func run() async -> Int32 {
        logger.notice(
            "kafkatrace-producer starting",
            metadata: [
                "version": "\(KafkaTrace.version)", "instance_id": "\(config.instanceID)",
                "brokers": "\(config.common.kafka.brokers)", "topic": "\(config.common.kafka.topic)",
                "http": "\(config.common.http.host):\(config.common.http.port)", "order_rate": "\(config.orders.rate)",
            ])
        let benchTask = benchmark.map { benchmark in
            Task { [runner] in
                if await benchmark.waitForCompletion() { await runner.group.triggerGracefulShutdown() }
            }
        }
        var code = await runner.run()
        benchTask?.cancel()
        if let fatal = topicMonitor.fatalError {
            logger.critical("exiting with status 1 after a fatal Kafka error", metadata: ["error": "\(fatal)"])
            code = 1
        }
        let undelivered = drain.undelivered ?? publisher.producer.outQueueLength
        if undelivered > 0 {
            logger.error("exiting with status 1: messages left undelivered", metadata: ["undelivered": "\(undelivered)"])
            code = 1
        }
        logger.notice("kafkatrace-producer stopped", metadata: ["exit_code": "\(code)"])
        return code
    }
}
