import Prometheus
import SharedKafka
import SharedMetrics
import SharedOrders
import Synchronization

/// The consumer's Prometheus metrics (names in docs/CONTRACT.md), registered on an injected
/// registry. Every family is announced at start (labelled ones with their bounded label
/// values) so dashboards and alerts see zeros, not gaps. Labelled handles are cached.
final class ConsumerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let insertedOrders: Counter
    let duplicateOrders: Counter
    let dlqSent: Counter
    let dlqFailed: Counter
    /// Orders per batch (valid + invalid messages of one poll).
    let batchSize: ValueHistogram
    /// One batch transaction, observed only for transactions that committed.
    let insertDuration: DurationHistogram
    /// Insert commit time − `created_at`, per inserted order.
    let endToEndLatency: DurationHistogram
    let assignedPartitions: Gauge
    let commitFailures: Counter
    /// 0 = closed, 1 = half open, 2 = open.
    let circuitState: Gauge
    let postgresUp: Gauge
    /// Assigned partitions with lag whose position has not moved for `consumer.stall_after_ms`.
    let stalledPartitions: Gauge
    /// Partition stalls begun (one per partition each time it becomes stalled).
    let stalls: Counter
    let postgresConnectionsIdle: Gauge
    let postgresConnectionsBusy: Gauge
    /// Fetches the Kafka consumer restarted after librdkafka stopped fetching at a full queue.
    let fetchRestarts: Counter
    /// Times a full consumer buffer paused every partition (the application stuck for
    /// `KafkaConsumer.defaultFullBufferWait`).
    let bufferPauses: Counter

    private let consumedByTopic: LabelledCounters
    private let invalidByReason: LabelledCounters
    private let dbErrorsByClass: LabelledCounters
    private let rebalancesByType: LabelledCounters

    private struct Caches {
        var lagMessages: [TopicPartition: Gauge] = [:]
        var lagSeconds: [TopicPartition: Gauge] = [:]
        /// The Kafka consumer's totals last added to `fetchRestarts` / `bufferPauses`.
        var fetchRestartsSeen = 0
        var bufferPausesSeen = 0
    }

    private let caches = Mutex(Caches())

    static let batchBuckets: [Double] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000]
    static let insertBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// End-to-end latency: 1 ms steps to 10 ms and 2 ms steps to 20 ms (a healthy pipeline's
    /// p99 lives there; `scripts/bench` compares it with a plain consumer's within a few ms),
    /// then coarser up to the 5-minute outliers of an outage. 36 buckets, one unlabelled series.
    static let latencyBuckets: [Duration] =
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 25, 30, 40, 50, 60, 80].map { .milliseconds($0) }
        + [100, 150, 200, 250, 300, 400, 500, 750].map { .milliseconds($0) }
        + [.seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)]

    /// Registers every family; `topic` is the consumed topic (announced with zero).
    init(registry: PrometheusCollectorRegistry, topic: String) {
        self.registry = registry
        insertedOrders = registry.counter(
            "kafkatrace_consumer_orders_inserted_total", help: "Orders written to PostgreSQL (new rows).")
        duplicateOrders = registry.counter(
            "kafkatrace_consumer_orders_duplicate_total",
            help: "Valid orders whose order_id was already in PostgreSQL (ON CONFLICT DO NOTHING).")
        dlqSent = registry.counter(
            "kafkatrace_consumer_dlq_sent_total", help: "Invalid messages acknowledged by the dead-letter topic.")
        dlqFailed = registry.counter(
            "kafkatrace_consumer_dlq_failed_total", help: "Dead-letter sends that failed (the batch is retried).")
        batchSize = registry.valueHistogram(
            "kafkatrace_consumer_batch_size", buckets: Self.batchBuckets, help: "Messages per processed batch.")
        insertDuration = registry.durationHistogram(
            "kafkatrace_consumer_insert_duration_seconds", buckets: Self.insertBuckets,
            help: "Duration of one committed batch transaction.")
        endToEndLatency = registry.durationHistogram(
            "kafkatrace_consumer_end_to_end_latency_seconds", buckets: Self.latencyBuckets,
            help: "Insert commit time minus the order's created_at.")
        assignedPartitions = registry.gauge(
            "kafkatrace_consumer_assigned_partitions", help: "Partitions currently assigned to this consumer.")
        commitFailures = registry.counter(
            "kafkatrace_consumer_commit_failures_total", help: "Kafka offset commits that failed.")
        circuitState = registry.gauge(
            "kafkatrace_consumer_circuit_state", help: "PostgreSQL circuit breaker: 0 closed, 1 half open, 2 open.")
        postgresUp = registry.gauge("kafkatrace_postgres_up", help: "1 when the last PostgreSQL health check passed.")
        stalledPartitions = registry.gauge(
            "kafkatrace_consumer_stalled_partitions",
            help: "Assigned partitions with lag whose position has not moved for consumer.stall_after_ms "
                + "(partitions paused by the open circuit breaker are not counted).")
        stalls = registry.counter(
            "kafkatrace_consumer_stalls_total", help: "Partition stalls begun (lag, and no progress for consumer.stall_after_ms).")
        fetchRestarts = registry.counter(
            "kafkatrace_consumer_fetch_restarts_total",
            help: "Stalled fetches the consumer restarted: librdkafka 2.0.2 stops fetching at a full pre-fetch queue and looks again up to 1 s later.")
        bufferPauses = registry.counter(
            "kafkatrace_consumer_buffer_pauses_total",
            help: "Times the consumer's message buffer stayed full so long that every partition was paused (the pipeline stuck).")
        postgresConnectionsIdle = registry.gauge(
            "kafkatrace_postgres_connections", labels: [("state", "idle")], help: "PostgreSQL connections by state.")
        postgresConnectionsBusy = registry.gauge(
            "kafkatrace_postgres_connections", labels: [("state", "busy")], help: "PostgreSQL connections by state.")
        consumedByTopic = LabelledCounters(
            registry: registry, name: "kafkatrace_consumer_messages_consumed_total", label: "topic",
            help: "Messages read from Kafka and processed.")
        invalidByReason = LabelledCounters(
            registry: registry, name: "kafkatrace_consumer_orders_invalid_total", label: "reason",
            help: "Messages that were not valid orders, by reason code (sent to the DLQ).")
        dbErrorsByClass = LabelledCounters(
            registry: registry, name: "kafkatrace_consumer_db_errors_total", label: "sqlstate_class",
            help: "Failed PostgreSQL batch attempts, by SQLSTATE class.")
        rebalancesByType = LabelledCounters(
            registry: registry, name: "kafkatrace_consumer_rebalances_total", label: "type",
            help: "Consumer-group rebalance events, by type.")
        _ = consumed(topic: topic)
        for code in ValidationProblem.Code.allCases { _ = invalid(reason: code.rawValue) }
        for kind in [RebalanceEvent.Kind.assign, .revoke, .lost] { _ = rebalances(kind) }
        _ = dbErrors(sqlstateClass: "08")
    }

    /// `kafkatrace_consumer_messages_consumed_total{topic}`.
    func consumed(topic: String) -> Counter { consumedByTopic.counter(topic) }

    /// `kafkatrace_consumer_orders_invalid_total{reason}` (reason = validation code).
    func invalid(reason: String) -> Counter { invalidByReason.counter(reason) }

    /// `kafkatrace_consumer_db_errors_total{sqlstate_class}`: one per failed DB attempt.
    func dbErrors(sqlstateClass: String) -> Counter { dbErrorsByClass.counter(sqlstateClass) }

    /// `kafkatrace_consumer_rebalances_total{type}`.
    func rebalances(_ kind: RebalanceEvent.Kind) -> Counter { rebalancesByType.counter(kind.rawValue) }

    /// Sets `kafkatrace_consumer_lag_messages` / `_lag_seconds` for the given partitions and
    /// removes the series of partitions no longer in `lags` (revoked ones).
    func setLag(_ lags: [TopicPartition: (messages: Int64, seconds: Double)]) {
        let stale: [Gauge] = caches.withLock { c in
            var stale: [Gauge] = []
            for partition in Set(c.lagMessages.keys).subtracting(lags.keys) {
                if let gauge = c.lagMessages.removeValue(forKey: partition) { stale.append(gauge) }
                if let gauge = c.lagSeconds.removeValue(forKey: partition) { stale.append(gauge) }
            }
            for (partition, lag) in lags {
                let labels = [("topic", partition.topic), ("partition", String(partition.partition))]
                let messages = c.lagMessages[partition] ?? registry.gauge(
                    "kafkatrace_consumer_lag_messages", labels: labels,
                    help: "Messages between this consumer's position and the end of the partition.")
                let seconds = c.lagSeconds[partition] ?? registry.gauge(
                    "kafkatrace_consumer_lag_seconds", labels: labels,
                    help: "Upper bound on how long the oldest unprocessed message has waited (0 when caught up).")
                c.lagMessages[partition] = messages
                c.lagSeconds[partition] = seconds
                messages.set(Double(lag.messages))
                seconds.set(lag.seconds)
            }
            return stale
        }
        for gauge in stale { registry.unregisterGauge(gauge) }
    }

    /// Adds to `fetchRestarts` / `bufferPauses` what the Kafka consumer's totals (since its
    /// start) grew by since the last call.
    func addConsumerTotals(fetchRestarts restarts: Int, bufferPauses pauses: Int) {
        let (newRestarts, newPauses) = caches.withLock { c in
            let added = (max(0, restarts - c.fetchRestartsSeen), max(0, pauses - c.bufferPausesSeen))
            c.fetchRestartsSeen += added.0
            c.bufferPausesSeen += added.1
            return added
        }
        if newRestarts > 0 { fetchRestarts.increment(by: Int64(newRestarts)) }
        if newPauses > 0 { bufferPauses.increment(by: Int64(newPauses)) }
    }

    /// Sets the circuit-state gauge.
    func setCircuit(_ state: CircuitBreaker.State) {
        circuitState.set(Double(state.gaugeValue))
    }
}
