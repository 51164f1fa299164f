import Logging
import SharedLogging
import Synchronization

/// An idempotent Kafka producer over librdkafka.
///
/// A dedicated poll thread serves `rd_kafka_poll`: delivery reports (`dr_msg_cb`), statistics
/// (`stats_cb`) and errors (`error_cb`). Callbacks run on that thread, or on a sender's thread
/// that calls `serveReadyCallbacks`; keep them cheap.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaClient
    private let pollThread: KafkaPollThread
    private let queueFullEvents = Atomic<Int>(0)

    /// Creates the producer from raw librdkafka `properties`.
    /// - Parameters:
    ///   - onDeliveryReport: exactly one call per accepted `send`.
    ///   - onStatistics: the statistics JSON every `statistics.interval.ms`.
    ///   - onError: non-fatal client errors (librdkafka retries these itself).
    ///   - onFatalError: the instance is unusable (`rd_kafka_fatal_error`); recreate it.
    ///   - logger: receives every line librdkafka logs (``KafkaLogRecord``), on librdkafka's
    ///     threads; its level also sets librdkafka's `log_level` unless `properties` do.
    public init(
        properties: [String: String],
        onDeliveryReport: @escaping @Sendable (DeliveryReport) -> Void,
        onStatistics: (@Sendable (String) -> Void)? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        onFatalError: (@Sendable (KafkaError) -> Void)? = nil,
        logger: Logger = Logger(label: "librdkafka")
    ) throws(KafkaError) {
        let callbacks = RDKafkaCallbacks(
            onDelivery: onDeliveryReport, onStatistics: onStatistics,
            onError: { error in
                if error.isFatal { onFatalError?(error) } else { onError?(error) }
            },
            onLog: { record in record.log(to: logger) })
        let client = try RDKafkaClient(
            kind: .producer, properties: properties, callbacks: callbacks, logLevel: SyslogLevel(logger.logLevel))
        self.client = client
        self.pollThread = KafkaPollThread(name: "producer-poll") {
            client.poll(timeoutMs: 100)
        }
    }

    /// Creates the producer from the typed configuration.
    public convenience init(
        configuration: KafkaProducerConfiguration,
        onDeliveryReport: @escaping @Sendable (DeliveryReport) -> Void,
        onStatistics: (@Sendable (String) -> Void)? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        onFatalError: (@Sendable (KafkaError) -> Void)? = nil,
        logger: Logger = Logger(label: "librdkafka")
    ) throws(KafkaError) {
        try self.init(
            properties: configuration.properties, onDeliveryReport: onDeliveryReport,
            onStatistics: onStatistics, onError: onError, onFatalError: onFatalError, logger: logger)
    }

    /// Never waits: the poll thread ends on its own after its current iteration and, holding the
    /// last reference to the client, destroys the handle there.
    deinit {
        client.markClosed()
        pollThread.requestStop()
    }

    /// Enqueues one message without blocking; its `DeliveryReport` carries `id`.
    /// Throws `.queueFull` when `queue.buffering.max.messages` is reached.
    /// Wraps `rd_kafka_produceva`.
    public func send(
        topic: String, key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8])] = [], id: UInt64
    ) throws(KafkaError) {
        try client.ensureOpen("produce to \(topic)")
        do {
            try client.produce(topic: topic, key: key, value: value, headers: headers, id: id)
        } catch {
            if error.code == .queueFull { queueFullEvents.add(1, ordering: .relaxed) }
            throw error
        }
    }

    /// Enqueues one message, waiting while the local queue is full for at most `enqueueTimeout`
    /// (deliveries drain it); then throws `.enqueueTimedOut`. Sleeps with short `Task.sleep`s.
    public func send(
        topic: String, key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8])] = [], id: UInt64,
        enqueueTimeout: Duration
    ) async throws(KafkaError) {
        let clock = ContinuousClock()
        let start = clock.now
        var pause = Duration.milliseconds(1)
        while true {
            do {
                try send(topic: topic, key: key, value: value, headers: headers, id: id)
                return
            } catch {
                guard error.code == .queueFull, case .queueFull = error else { throw error }
            }
            let waited = clock.now - start
            if waited >= enqueueTimeout || Task.isCancelled {
                throw .enqueueTimedOut(waited: waited, context: "produce to \(topic)")
            }
            try? await Task.sleep(for: min(pause, enqueueTimeout - waited))
            pause = min(pause * 2, .milliseconds(20))
        }
    }

    /// Serves the callbacks that are ready now, delivery reports above all, on the calling thread;
    /// never waits. Wraps `rd_kafka_poll(handle, 0)`.
    ///
    /// A sender producing in a tight loop calls this every few sends, as librdkafka's examples
    /// call `rd_kafka_poll(rk, 0)` after each produce: the delivered messages are then freed on
    /// the thread that allocated them, and their reports do not wait for the poll thread to wake.
    /// While such calls keep coming the poll thread steps aside (`KafkaPollThread.servedElsewhere`)
    /// and these calls serve everything; between them, or without them, the poll thread serves.
    /// Callbacks may so run on either thread (never two at once for one event); they are
    /// `Sendable` and must stay cheap. Does nothing once `close()` has begun.
    public func serveReadyCallbacks() {
        guard !client.isClosed else { return }
        _ = client.poll(timeoutMs: 0)
        pollThread.servedElsewhere()
    }

    /// Times `send` found the queue full (including retries inside the async `send`).
    var queueFullCount: Int { queueFullEvents.load(ordering: .relaxed) }

    /// Messages not yet delivered (queued, in flight, or awaiting their report).
    /// Wraps `rd_kafka_outq_len`.
    public var outQueueLength: Int { client.outQueueLength }

    /// Waits up to `timeout` for every queued message to be delivered; returns how many are
    /// still undelivered. Runs `rd_kafka_flush` on a dedicated thread; a cancelled caller
    /// stops waiting at once and gets the count of that moment.
    public func flush(timeout: Duration) async -> Int {
        let client = self.client
        let result: Int? = try? await KafkaBlocking.run("flush") { client.flushBlocking(timeout: timeout) }
        return result ?? client.outQueueLength
    }

    /// The fatal error that made this instance unusable, if any. Wraps `rd_kafka_fatal_error`.
    public var fatalError: KafkaError? { client.fatalError }

    /// Cluster metadata; `topic` nil means all topics. Refused with `.closed` once `close()` has
    /// begun; `.cancelled` at once for a cancelled caller. Wraps `rd_kafka_metadata`.
    public func metadata(topic: String?, timeout: Duration) async throws(KafkaError) -> KafkaMetadata {
        let client = self.client
        return try await KafkaBlocking.run("metadata") { () throws(KafkaError) in
            try client.metadataBlocking(topic: topic, timeout: timeout)
        }
    }

    /// Creates `name` through the Admin API; an existing topic counts as success.
    /// Wraps `rd_kafka_CreateTopics`.
    public func createTopic(
        name: String, partitions: Int, replicationFactor: Int, timeout: Duration
    ) async throws(KafkaError) {
        guard partitions >= 1, replicationFactor >= 1 else {
            throw .invalidArgument(
                context: "create topic \(name)",
                reason: "partitions=\(partitions) replicationFactor=\(replicationFactor); both must be ≥ 1")
        }
        let client = self.client
        try await KafkaBlocking.run("create topic \(name)") { () throws(KafkaError) in
            try client.createTopicBlocking(
                name: name, partitions: Int32(clamping: partitions),
                replicationFactor: Int32(clamping: replicationFactor), timeout: timeout)
        }
    }

    /// Stops the poll thread (waiting for its current iteration off the cooperative pool); later
    /// sends and queries throw `.closed`. Does not flush: call `flush` first. The handle is
    /// destroyed (`rd_kafka_destroy`) once in-flight calls have returned (each holds the client).
    public func close() async {
        client.gate.close(waitingAtMost: .zero)
        client.markClosed()
        let thread = pollThread
        _ = try? await KafkaBlocking.run("stop the producer poll thread") { () throws(KafkaError) in thread.stop() }
    }
}
