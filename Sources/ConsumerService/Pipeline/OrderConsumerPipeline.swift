import SharedCore
import Dispatch
import Logging
import Prometheus
import ServiceLifecycle
import SharedKafka
import SharedLifecycle
import SharedPostgres
import Synchronization

/// The consumer's main loop, as a ServiceLifecycle `Service`, in overlapping stages:
///
/// 1. the poll loop takes what has arrived (`poll(max: batchSize, timeout: batchMaxWait)`: at
///    least one message, never waiting to fill a batch, so batches grow only under load) and
///    queues each partition's messages on that partition's write lane (`WriteLane`; a partition
///    keeps its lane while it is assigned);
/// 2. each lane (one per PostgreSQL connection, `consumer.write_connections`) takes everything
///    queued for it as one batch, decodes and validates it (invalid messages become dead
///    letters, valid orders are encoded as COPY rows) while its previous batch is still being
///    written, so the lanes decode in parallel with each other and with PostgreSQL; then writes
///    it once the previous write is done: dead letters to the DLQ (acknowledged), orders into
///    PostgreSQL (`OrderStore`, all or nothing); only after both, hands its positions (per
///    partition: highest offset + 1) to the `OffsetCommitter`, which commits them in the
///    background. Nothing is committed that is not in the database (or on the DLQ).
///
/// A lane writes one batch at a time, in poll order, so a partition's (a key's) orders are
/// written in order; a slow write holds back only its own lane. PostgreSQL failures are
/// retried with `Backoff` behind a `CircuitBreaker`; while it is open every assigned partition
/// is paused (the consumer keeps polling, so the group keeps us) and the `postgres` readiness
/// check fails. On revoke the Kafka poll thread waits (bounded) until the writes holding the
/// revoked partitions are done and their offsets committed. It joins the group only once the
/// schema is in place (`waitForSchema`). On graceful shutdown: finish the writes in progress,
/// commit, leave the group, close its PostgreSQL connections (batches queued but not yet
/// written are left for the next start: nothing of them is committed). The dead-letter
/// producer is a service of its own, stopped after this one.
final class OrderConsumerPipeline: Service, Sendable {
    /// Readiness check names.
    static let kafkaCheck = "kafka"
    static let postgresCheck = "postgres"

    /// Tuning (config keys `consumer.*`, `shutdown.timeout_ms`).
    struct Configuration: Sendable {
        var topic: String
        /// The most messages one batch takes (it takes fewer when fewer have arrived).
        var batchSize: Int = 500
        /// How long an idle loop waits for the first message before it checks in again.
        var batchMaxWait: Duration = .milliseconds(50)
        var breakerFailures: Int = 5
        var breakerReset: Duration = .seconds(5)
        /// A group join in progress shorter than this still counts as ready.
        var joinGrace: Duration = .seconds(30)
        /// Delay between attempts of one batch (DB or DLQ failures).
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        /// How long a revoke waits for the batch in hand and its offsets to be committed.
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
        /// Per write lane, the partitions of the batch it is writing now.
        var writing: [Int: Set<TopicPartition>] = [:]
        /// Partitions a revoke is taking away: no new write takes them.
        var revoking: Set<TopicPartition> = []
        /// Woken whenever a write ends (the revoke hook waits for its partitions' writes).
        var writeEndWaiters: [DispatchSemaphore] = []
        /// Which write lane writes each assigned partition (kept until it is revoked).
        var laneOf: [TopicPartition: Int] = [:]
        var isPausedForBreaker = false
        /// The circuit closed: resume (rewind) from what was handed to the pipeline.
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

        /// A batch is being written.
        var isBatchInHand: Bool { !writing.isEmpty }
        var lastKafkaReadiness: Readiness.CheckState?
    }

    let configuration: Configuration
    let consumer: KafkaConsumer
    /// One store per write connection, each fed by its lane (same index).
    let stores: [OrderStore]
    let lanes: [WriteLane]
    let deadLetters: DeadLetterPublisher
    let breaker: CircuitBreaker
    let readiness: Readiness
    let metrics: ConsumerMetrics
    let logger: Logger
    let waitForSchema: @Sendable () async -> Bool
    let state = Mutex(State())
    let committer: OffsetCommitter

    /// Creates the pipeline and its group consumer (not subscribed until `run()`).
    /// - Parameters:
    ///   - stores: one per PostgreSQL write connection (`consumer.write_connections`), at least one.
    ///   - consumerConfiguration: group settings; `enable.auto.commit` is always off.
    ///   - waitForSchema: returns once the database schema is in place (true), or false when it
    ///     never will be (shutdown first); the pipeline joins the group only after true.
    ///   - onStatistics: librdkafka statistics of the group consumer.
    init(
        configuration: Configuration, consumerConfiguration: KafkaConsumerConfiguration, stores: [OrderStore],
        deadLetters: DeadLetterPublisher, readiness: Readiness, metrics: ConsumerMetrics, logger: Logger,
        waitForSchema: @escaping @Sendable () async -> Bool = { true },
        onStatistics: (@Sendable (String) -> Void)? = nil
    ) throws(KafkaError) {
        self.configuration = configuration
        self.waitForSchema = waitForSchema
        precondition(!stores.isEmpty, "the pipeline needs at least one OrderStore")
        self.stores = stores
        self.lanes = stores.map { _ in WriteLane() }
        self.deadLetters = deadLetters
        self.breaker = CircuitBreaker(
            failureThreshold: configuration.breakerFailures, resetTimeout: configuration.breakerReset)
        self.readiness = readiness
        self.metrics = metrics
        self.logger = logger
        let link = WeakReference<OrderConsumerPipeline>()
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration,
            onRebalance: { event in link.object?.rebalanced(event) },
            onStatistics: onStatistics,
            onError: { error in link.object?.kafkaError(error) })
        self.consumer = consumer
        self.committer = OffsetCommitter(
            backoff: configuration.backoff,
            commit: { offsets throws(KafkaError) in try await consumer.commit(offsets) },
            isOwned: { partition in link.object?.isAssigned(partition) ?? false },
            onCommitted: { positions in link.object?.committed(positions) },
            onFailure: { error, offsets, willRetry in link.object?.commitFailed(error, offsets, willRetry: willRetry) })
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
            logger.notice("consumer stopping: finishing the batches being written")
            // Queued batches are dropped (never written, never committed: read again later).
            for lane in lanes { lane.close() }
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

    /// Polls and decodes; each batch's partitions go to their write lanes, which write
    /// concurrently (one task each) while the next batch is polled and decoded.
    private func loop() async {
        await withTaskGroup(of: Void.self) { writers in
            for index in lanes.indices {
                writers.addTask { await self.runLane(index) }
            }
            while !isStopRequested {
                state.withLock { $0.lastLoopAt = .now }
                updateKafkaReadiness()
                await resumeAfterBreakerIfNeeded()
                let messages = await consumer.poll(max: configuration.batchSize, timeout: configuration.batchMaxWait)
                if messages.isEmpty { continue }
                // Taken after the poll returned: messages of a later assignment can only be
                // handed out after it (a revoke purges the buffer first), so a partition
                // assigned after this instant marks these messages as stale (`process`).
                let polledAt = ContinuousClock.now
                // Backpressure: about one batch queued per lane (memory: the backlog stays in the
                // bounded buffer and librdkafka, not in decoded orders).
                let lanesOf = laneOf(Set(messages.map(\.topicPartition)))
                for (lane, part) in PolledMessages.split(messages, polledAt: polledAt, by: lanesOf) {
                    await lanes[lane].waitForRoom(limit: max(1, configuration.batchSize))
                    lanes[lane].append(part)
                }
            }
            for lane in lanes { lane.close() }
            await writers.waitForAll()
        }
        await waitForCommits()
    }

    /// One write lane, until closed: decodes what its queue holds while its previous batch is
    /// being written, then writes it once that write is done (one write at a time, in poll order).
    private func runLane(_ index: Int) async {
        await withTaskGroup(of: Void.self) { write in
            // The polled messages are a temporary: they are freed once decoded, not kept while
            // the previous batch is still being written.
            while let batch = await lanes[index].next().map({ decode($0.messages, polledAt: $0.polledAt) }) {
                await write.next()
                if isStopRequested { break }
                write.addTask { await self.process(batch, lane: index) }
            }
            await write.waitForAll()
        }
    }

    /// The lane of each partition: kept while the partition stays assigned; a new one goes to
    /// the lane with the fewest partitions.
    private func laneOf(_ partitions: Set<TopicPartition>) -> [TopicPartition: Int] {
        state.withLock { s in
            var load = [Int](repeating: 0, count: lanes.count)
            for lane in s.laneOf.values { load[lane] += 1 }
            var result: [TopicPartition: Int] = [:]
            for partition in partitions.sorted(by: { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) {
                if let lane = s.laneOf[partition] {
                    result[partition] = lane
                    continue
                }
                let lane = load.indices.min { load[$0] < load[$1] } ?? 0
                load[lane] += 1
                s.laneOf[partition] = lane
                result[partition] = lane
            }
            return result
        }
    }

    /// Shutdown: waits (within the shutdown budget for the batch in hand) until the submitted
    /// offsets are committed; the consumer closes after this.
    private func waitForCommits() async {
        let budget = configuration.shutdownTimeout * 0.6
        let stoppedAt = state.withLock { $0.stopRequestedAt } ?? .now
        committer.hurry()
        while !committer.isIdle, ContinuousClock.now - stoppedAt < budget, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if !committer.isIdle {
            logger.warning(
                "offsets not committed within the shutdown budget; the next owner reads those orders again (duplicates, skipped)",
                metadata: ["budget": "\(budget)"])
        }
    }

    private func shutDown() async {
        let started = ContinuousClock.now
        await consumer.close()
        committer.close()
        for store in stores { await store.client.close() }
        logger.notice(
            "consumer stopped: left the group, closed PostgreSQL",
            metadata: ["close_duration": "\(ContinuousClock.now - started)"])
    }

    func kafkaError(_ error: KafkaError) {
        logger.warning("kafka consumer error", metadata: ["error": "\(error)", "code": "\(error.name)"])
    }
}
