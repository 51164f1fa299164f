import SharedCore
import Dispatch
import Logging
import Prometheus
import ServiceLifecycle
import SharedKafka
import SharedLifecycle
import SharedPostgres
import Synchronization

/// The consumer's main loop, as a ServiceLifecycle `Service`:
/// `poll(max: batchSize, timeout: batchMaxWait)` → decode and validate each message (invalid
/// ones go to the DLQ) → insert the valid ones in one transaction → only after the DB commit
/// and the DLQ acknowledgements, commit the offsets (per partition: highest offset + 1).
/// Nothing is committed that is not in the database (or on the DLQ).
///
/// PostgreSQL failures are retried with `Backoff` behind a `CircuitBreaker`; while it is open
/// every assigned partition is paused (the consumer keeps polling, so the group keeps us) and
/// the `postgres` readiness check fails. On revoke the Kafka poll thread waits (bounded) until
/// the batch in hand is committed. It joins the group only once the schema is in place
/// (`waitForSchema`). On graceful shutdown: finish the batch in hand, commit, leave the group,
/// close its PostgreSQL connection. The dead-letter producer is a service of its own, stopped
/// after this one.
final class OrderConsumerPipeline: Service, Sendable {
    /// Readiness check names.
    static let kafkaCheck = "kafka"
    static let postgresCheck = "postgres"

    /// Tuning (config keys `consumer.*`, `shutdown.timeout_ms`).
    struct Configuration: Sendable {
        var topic: String
        var batchSize: Int = 500
        var batchMaxWait: Duration = .milliseconds(50)
        var breakerFailures: Int = 5
        var breakerReset: Duration = .seconds(5)
        /// A group join in progress shorter than this still counts as ready.
        var joinGrace: Duration = .seconds(30)
        /// Delay between attempts of one batch (DB or DLQ failures).
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        /// How long a revoke waits for the batch in hand to be committed.
        var revokeWait: Duration = .seconds(10)
        /// Graceful-shutdown budget (`shutdown.timeout_ms`); the batch in hand gets 60 % of it,
        /// the rest is for leaving the group and closing connections.
        var shutdownTimeout: Duration = .seconds(25)

        init(topic: String) { self.topic = topic }
    }

    struct State {
        var assigned: Set<TopicPartition> = []
        /// Since when we have had no partitions (subscribe, or the last revoke of everything).
        var unassignedSince: ContinuousClock.Instant? = .now
        var isBatchInHand = false
        /// Partitions revoked (or lost) while the batch in hand was being processed.
        var revokedDuringBatch: Set<TopicPartition> = []
        var revokeWaiters: [DispatchSemaphore] = []
        var isPausedForBreaker = false
        /// The circuit closed: resume (rewind) once the batch in hand is committed.
        var needsResumeAfterBreaker = false
        var breakerReason = ""
        /// nil until the first health check; then nil = passing, else the failure.
        var pingFailure: String? = "pending: no health check yet"
        /// Timestamp (ms) of the last committed message per partition, for lag_seconds.
        var lastCommittedTimestampMs: [TopicPartition: Int64] = [:]
        var assignedAt: [TopicPartition: ContinuousClock.Instant] = [:]
        var stopRequestedAt: ContinuousClock.Instant?
        var lastLoopAt: ContinuousClock.Instant = .now
        /// Waiting for the schema (PostgreSQL may be down for long): alive, not ready.
        var isWaitingForSchema = false
        var lastPostgresReadiness: Readiness.CheckState?
        var lastKafkaReadiness: Readiness.CheckState?
    }

    let configuration: Configuration
    let consumer: KafkaConsumer
    let store: OrderStore
    let deadLetters: DeadLetterPublisher
    let breaker: CircuitBreaker
    let readiness: Readiness
    let metrics: ConsumerMetrics
    let logger: Logger
    let waitForSchema: @Sendable () async -> Bool
    let state = Mutex(State())

    /// Creates the pipeline and its group consumer (not subscribed until `run()`).
    /// - Parameters:
    ///   - consumerConfiguration: group settings; `enable.auto.commit` is always off.
    ///   - waitForSchema: returns once the database schema is in place (true), or false when it
    ///     never will be (shutdown first); the pipeline joins the group only after true.
    ///   - onStatistics: librdkafka statistics of the group consumer.
    init(
        configuration: Configuration, consumerConfiguration: KafkaConsumerConfiguration, store: OrderStore,
        deadLetters: DeadLetterPublisher, readiness: Readiness, metrics: ConsumerMetrics, logger: Logger,
        waitForSchema: @escaping @Sendable () async -> Bool = { true },
        onStatistics: (@Sendable (String) -> Void)? = nil
    ) throws(KafkaError) {
        self.configuration = configuration
        self.waitForSchema = waitForSchema
        self.store = store
        self.deadLetters = deadLetters
        self.breaker = CircuitBreaker(
            failureThreshold: configuration.breakerFailures, resetTimeout: configuration.breakerReset)
        self.readiness = readiness
        self.metrics = metrics
        self.logger = logger
        let link = WeakReference<OrderConsumerPipeline>()
        self.consumer = try KafkaConsumer(
            configuration: consumerConfiguration,
            onRebalance: { event in link.object?.rebalanced(event) },
            onStatistics: onStatistics,
            onError: { error in link.object?.kafkaError(error) })
        link.set(self)
        consumer.setRevokeHook { [weak self] event in self?.revokeHook(event) }
        readiness.register(Self.kafkaCheck)
        readiness.register(Self.postgresCheck)
        metrics.setCircuit(.closed)
    }

    /// Waits for the schema, subscribes, runs the loop until graceful shutdown (or
    /// cancellation), then finishes the batch in hand, commits, leaves the group and closes its
    /// PostgreSQL connection. Shutdown while waiting for the schema skips the loop.
    func run() async throws {
        state.withLock { $0.isWaitingForSchema = true }
        let hasSchema = await cancelWhenGracefulShutdown { [waitForSchema] in await waitForSchema() }
        state.withLock {
            $0.isWaitingForSchema = false
            $0.lastLoopAt = .now
        }
        guard hasSchema, !isStopRequested else {
            await shutDown()
            return
        }
        try consumer.subscribe(topics: [configuration.topic])
        logger.info(
            "consumer subscribed",
            metadata: ["topic": "\(configuration.topic)", "batch_size": "\(configuration.batchSize)"])
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await loop()
            } onCancel: { [self] in
                requestStop()
            }
        } onGracefulShutdown: { [self] in
            requestStop()
        }
        await shutDown()
    }

    /// Starts graceful shutdown: no more polls; the batch in hand is finished.
    func requestStop() {
        let first = state.withLock { s -> Bool in
            guard s.stopRequestedAt == nil else { return false }
            s.stopRequestedAt = .now
            return true
        }
        if first {
            readiness.beginShutdown()
            logger.notice("consumer stopping: finishing the batch in hand")
        }
    }

    /// True while the main loop turns (for the systemd watchdog): it checked in within 60 s, or
    /// it is waiting for the schema.
    var isAlive: Bool {
        state.withLock { $0.isWaitingForSchema || ContinuousClock.now - $0.lastLoopAt < .seconds(60) }
    }

    /// Called by the PostgreSQL health monitor after each ping (nil = passing).
    func reportPostgresHealth(failure: String?) {
        state.withLock { $0.pingFailure = failure }
        updatePostgresReadiness()
    }

    /// Timestamps (ms since epoch) of the last committed message per assigned partition,
    /// and when each partition was assigned, for the lag-seconds estimate.
    func lagClocks() -> (committedMs: [TopicPartition: Int64], assignedAt: [TopicPartition: ContinuousClock.Instant]) {
        state.withLock { ($0.lastCommittedTimestampMs, $0.assignedAt) }
    }

    var isStopRequested: Bool { state.withLock { $0.stopRequestedAt != nil } || Task.isCancelled }

    private func loop() async {
        while !isStopRequested {
            state.withLock { $0.lastLoopAt = .now }
            updateKafkaReadiness()
            await resumeAfterBreakerIfNeeded()
            let messages = await consumer.poll(max: configuration.batchSize, timeout: configuration.batchMaxWait)
            if !messages.isEmpty { await process(messages) }
        }
    }

    private func shutDown() async {
        let started = ContinuousClock.now
        await consumer.close()
        await store.client.close()
        logger.notice(
            "consumer stopped: left the group, closed PostgreSQL",
            metadata: ["close_duration": "\(ContinuousClock.now - started)"])
    }

    func kafkaError(_ error: KafkaError) {
        logger.warning("kafka consumer error", metadata: ["error": "\(error)", "code": "\(error.name)"])
    }
}
