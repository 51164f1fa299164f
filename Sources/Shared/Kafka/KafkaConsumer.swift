import Logging
import SharedLogging
import SharedCore
import Dispatch
import Synchronization

/// A consumer-group member over librdkafka with app-controlled commits.
///
/// A dedicated poll thread calls `rd_kafka_consumer_poll`, also while partitions are paused,
/// so the group never evicts us for not polling. Messages go into a bounded buffer read with
/// `poll(max:timeout:)`. While the buffer is full the poll thread waits for room and leaves
/// what librdkafka fetched in its queue (`queued.max.messages.kbytes` then stops fetching);
/// only a buffer left full for ``fullBufferWait`` pauses every partition (resumed once half of
/// it is drained), because a pause throws away what librdkafka has fetched ahead.
///
/// Every call that waits for brokers has a bound, also while Kafka is down: commits
/// (``commitTimeout``), lag queries (their `timeout`), and `close()` waits at most
/// ``closeWait`` for background queries still in flight before it leaves the group.
public final class KafkaConsumer: Sendable {
    /// How long `commit` waits for the group coordinator by default.
    public static let commitTimeout = Duration.seconds(10)
    /// How long `close()` waits for background queries (lag) in flight; they are bounded by
    /// their own timeouts, so this is only a backstop.
    public static let closeWait = Duration.seconds(5)
    /// How long `close()` waits for `rd_kafka_consumer_close`, which has no bound of its own: with
    /// Kafka down it waits, among others, for a commit still queued for a coordinator.
    public static let closeTimeout = Duration.seconds(10)

    struct Waiter {
        var max: Int
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<[KafkaMessage], Never>
    }

    struct State {
        var buffer: [KafkaMessage] = []
        var waiters: [Waiter] = []
        var assignment: Set<TopicPartition> = []
        var userPaused: Set<TopicPartition> = []
        var isInternallyPaused = false
        /// The poll thread waits for `poll` to make room in the full buffer (`roomSignal`).
        var isWaitingForRoom = false
        var isPollThreadStopping = false
        /// How often a buffer left full for ``KafkaConsumer/fullBufferWait`` paused everything.
        var internalPauses = 0
        /// When the poll thread last read a message from librdkafka.
        var lastMessageAt: ContinuousClock.Instant = .now
        var lastFetchKickAt: ContinuousClock.Instant = .now
        /// Since the last fetch restart, the poll thread waited for room, or librdkafka's queue
        /// came near its bound (`kickStalledFetches`).
        var hasHeldBackSinceKick = false
        /// Message bytes read from librdkafka since its queue was last seen empty.
        var bytesSinceQueueEmpty = 0
        /// How often `kickStalledFetches` restarted a stalled fetch.
        var fetchKicks = 0
        /// A fetch restart was made and no message has been read since (`noteTurn`).
        var isAwaitingKickAnswer = false
        /// Bumped whenever the application moves or stops fetching (pause, resume, rewind), so a
        /// fetch restart based on older positions is dropped.
        var positionEpoch = 0
        /// Per partition: the offset after the last message `poll` handed out.
        var handedOffsets: [TopicPartition: Int64] = [:]
        var isClosed = false
        var revokeHook: (@Sendable (RebalanceEvent) -> Void)?
    }

    let client: RDKafkaClient
    let state = Mutex(State())
    /// `bufferCapacity` when none is given (also `KafkaConsumerConfiguration`'s).
    public static let defaultBufferCapacity = 10_000
    /// `fullBufferWait` when none is given (also `KafkaConsumerConfiguration`'s).
    public static let defaultFullBufferWait = Duration.seconds(1)
    let bufferCapacity: Int
    /// Signalled when the poll thread, waiting for room in the full buffer, may go on.
    let roomSignal = DispatchSemaphore(value: 0)
    /// How long the poll thread leaves a full buffer alone before it polls on and pauses
    /// everything (see `waitForRoomIfFull`).
    let fullBufferWait: Duration
    /// librdkafka's prefetch bound in bytes (`queued.max.messages.kbytes`; its default 64 MiB).
    let prefetchBytes: Int
    let onRebalanceEvent: @Sendable (RebalanceEvent) -> Void
    let reportError: @Sendable (KafkaError) -> Void
    let logger: Logger
    private let pollThreadBox = Mutex<KafkaPollThread?>(nil)

    /// Creates the consumer from raw librdkafka `properties` (must include `group.id`).
    /// - Parameters:
    ///   - bufferCapacity: messages buffered ahead of `poll`; a full buffer holds fetching back.
    ///   - fullBufferWait: how long a full buffer may stay full before every partition is paused.
    ///   - onRebalance: every assign / revoke / lost, on the poll thread.
    ///   - onStatistics: the statistics JSON every `statistics.interval.ms`.
    ///   - onError: errors from librdkafka (consume errors, broker errors).
    ///   - logger: receives every line librdkafka logs (``KafkaLogRecord``), on librdkafka's
    ///     threads; its level also sets librdkafka's `log_level` unless `properties` do.
    public init(
        properties: [String: String],
        bufferCapacity: Int = defaultBufferCapacity,
        fullBufferWait: Duration = defaultFullBufferWait,
        onRebalance: (@Sendable (RebalanceEvent) -> Void)? = nil,
        onStatistics: (@Sendable (String) -> Void)? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        logger: Logger = Logger(label: "librdkafka")
    ) throws(KafkaError) {
        guard properties["group.id"] != nil else {
            throw .invalidArgument(context: "KafkaConsumer", reason: "group.id is required for a group consumer")
        }
        // The C rebalance callback is registered before this consumer exists.
        let link = WeakReference<KafkaConsumer>()
        let callbacks = RDKafkaCallbacks(
            onStatistics: onStatistics, onError: onError,
            onRebalance: { kind, partitions in
                link.object?.handleRebalance(RebalanceEvent(kind: kind, partitions: partitions))
            },
            onWillAssign: { partitions in link.object?.prepareAssignment(partitions) },
            onLog: { record in record.log(to: logger) })
        self.client = try RDKafkaClient(
            kind: .consumer, properties: properties, callbacks: callbacks, logLevel: SyslogLevel(logger.logLevel))
        self.logger = logger
        self.bufferCapacity = max(1, bufferCapacity)
        self.fullBufferWait = fullBufferWait
        self.prefetchBytes = (properties["queued.max.messages.kbytes"].flatMap { Int($0) } ?? 65_536) * 1024
        self.onRebalanceEvent = onRebalance ?? { _ in }
        self.reportError = onError ?? { _ in }
        link.set(self)
        let thread = KafkaPollThread(name: "consumer-poll") { [weak self] in
            self?.pollIteration()
        }
        pollThreadBox.withLock { $0 = thread }
    }

    /// Creates the consumer from the typed configuration.
    public convenience init(
        configuration: KafkaConsumerConfiguration,
        onRebalance: (@Sendable (RebalanceEvent) -> Void)? = nil,
        onStatistics: (@Sendable (String) -> Void)? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        logger: Logger = Logger(label: "librdkafka")
    ) throws(KafkaError) {
        try self.init(
            properties: configuration.properties, bufferCapacity: configuration.bufferCapacity,
            fullBufferWait: configuration.fullBufferWait,
            onRebalance: onRebalance, onStatistics: onStatistics, onError: onError, logger: logger)
    }

    deinit {
        if stopPolling() { client.consumerCloseBlocking() }
    }

    /// Runs synchronously on the poll thread when partitions are revoked or lost, BEFORE they
    /// are unassigned: finish and commit (`commitSync`) what is in hand. Buffered messages of
    /// those partitions are dropped afterwards (the next owner reads them again).
    public func setRevokeHook(_ hook: @escaping @Sendable (RebalanceEvent) -> Void) {
        state.withLock { $0.revokeHook = hook }
    }

    /// Joins the group for `topics`. Wraps `rd_kafka_subscribe`.
    public func subscribe(topics: [String]) throws(KafkaError) {
        try client.subscribe(topics: topics)
    }

    /// What has arrived, up to `max` messages: returns at once when anything is buffered, else
    /// waits until the first message arrives or `timeout` passes (then returns none). It never
    /// waits to fill a batch, so batches are small when messages trickle in and grow to `max`
    /// only when they arrive faster than the caller takes them ("smart batching").
    /// A `timeout` of zero only takes what is buffered.
    public func poll(max: Int, timeout: Duration) async -> [KafkaMessage] {
        let limit = Swift.max(1, max)
        let deadline = ContinuousClock.now + timeout
        return await withCheckedContinuation { continuation in
            let (ready, wake): ([KafkaMessage]?, Bool) = state.withLock { s in
                if s.isClosed || !s.buffer.isEmpty || timeout <= .zero {
                    let taken = Self.take(&s, limit)
                    return (taken, wakePollThreadIfRoom(&s))
                }
                s.waiters.append(Waiter(max: limit, deadline: deadline, continuation: continuation))
                return (nil, false)
            }
            if wake { roomSignal.signal() }
            if let ready { continuation.resume(returning: ready) }
        }
        // (the resume for waiters happens on the poll thread)
    }

    /// Commits `offsets` (each = last processed offset + 1) and waits up to `timeout` for the
    /// group coordinator; then throws a retriable `_TIMED_OUT` (the commit may still be applied
    /// later: treat the offsets as not committed). Runs on a dedicated thread; a cancelled
    /// caller stops waiting at once (`.cancelled`). Wraps `rd_kafka_commit_queue`.
    public func commit(
        _ offsets: [TopicPartitionOffset], timeout: Duration = KafkaConsumer.commitTimeout
    ) async throws(KafkaError) {
        let client = self.client
        try await KafkaBlocking.run("commit") { () throws(KafkaError) in
            try client.commitBlocking(offsets, timeout: timeout)
        }
    }

    /// Blocking commit for the revoke hook (which already runs on the poll thread, or on the
    /// thread closing the consumer); waits at most `timeout`. Wraps `rd_kafka_commit_queue`.
    func commitSync(
        _ offsets: [TopicPartitionOffset], timeout: Duration = KafkaConsumer.commitTimeout
    ) throws(KafkaError) {
        try client.commitBlocking(offsets, timeout: timeout)
    }

    /// Stops fetching `partitions`; polling (and group membership) continues.
    /// Wraps `rd_kafka_pause_partitions`.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        state.withLock { s in
            s.userPaused.formUnion(partitions)
            s.positionEpoch += 1
        }
        try client.pause(partitions)
    }

    /// Fetches `partitions` again from the current position. Wraps `rd_kafka_resume_partitions`.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        let isInternallyPaused = state.withLock { s in
            s.userPaused.subtract(partitions)
            s.positionEpoch += 1
            return s.isInternallyPaused
        }
        if !isInternallyPaused { try resumeFetching(partitions) }
    }

    /// Resumes `partitions` and seeks each to the offset after the last message taken from
    /// librdkafka (the last one buffered, else the last one `poll` handed out), so fetching
    /// continues from the application's position and does not depend on librdkafka's
    /// pause/resume position handling (changed upstream in 2.1.0 and 2.4.0). Partitions
    /// nothing was taken from yet are only resumed.
    func resumeFetching(_ partitions: [TopicPartition]) throws(KafkaError) {
        try client.resume(partitions)
        let positions = state.withLock { s in
            partitions.compactMap { partition in
                Self.applicationPosition(of: partition, in: s).map {
                    TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: $0)
                }
            }
        }
        try client.seek(positions)
    }

    /// The offset after the last message of `partition` taken from librdkafka: the newest one
    /// still buffered, else the last one handed out; nil when none was since the assignment.
    /// Derived on the rare resume instead of being tracked per message on the poll thread.
    static func applicationPosition(of partition: TopicPartition, in s: State) -> Int64? {
        if let buffered = s.buffer.last(where: { $0.topicPartition == partition }) {
            return buffered.offset + 1
        }
        return s.handedOffsets[partition]
    }

    /// Partitions currently paused by `pause(_:)`.
    var pausedPartitions: Set<TopicPartition> { state.withLock { $0.userPaused } }

    /// The current assignment. Wraps `rd_kafka_assignment`.
    func assignment() throws(KafkaError) -> [TopicPartition] {
        try client.assignment().sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// Messages buffered ahead of `poll`.
    var bufferedCount: Int { state.withLock { $0.buffer.count } }

    /// How often the buffer stayed full long enough to pause every partition (since start).
    public var internalPauseCount: Int { state.withLock { $0.internalPauses } }

    /// How often the poll thread restarted a fetch stalled after a full queue (since start).
    public var fetchKickCount: Int { state.withLock { $0.fetchKicks } }

    /// Leaves the group and stops polling: first refuses new background queries (lag) and waits
    /// up to ``closeWait`` for those in flight, then stops the poll thread, then
    /// `rd_kafka_consumer_close` (the revoke hook runs). Later calls throw `.closed`; pending
    /// `poll` calls return what is buffered. Runs off the cooperative pool. Returns after at most
    /// ``closeWait`` + ``closeTimeout`` (logging a warning), or at once for a cancelled caller:
    /// the C close then goes on in the background and the handle stays alive until it is done.
    public func close() async {
        guard let thread = takePollThread() else { return }
        let client = self.client
        let logger = self.logger
        let started = ContinuousClock.now
        do throws(KafkaError) {
            try await KafkaBlocking.run("close consumer", waitingAtMost: Self.closeWait + Self.closeTimeout) {
                () throws(KafkaError) in
                let stillRunning = client.gate.close(waitingAtMost: Self.closeWait)
                if stillRunning > 0 {
                    logger.warning(
                        "closing the Kafka consumer with background queries still running",
                        metadata: [LogKeys.count: "\(stillRunning)", "waited": "\(Self.closeWait)"])
                }
                self.releasePollThread()
                thread.stop()
                client.consumerCloseBlocking()
            }
        } catch {
            logger.warning(
                "Kafka consumer close did not finish in time; going on without waiting for it",
                metadata: [LogKeys.error: "\(error)", "waited": "\(ContinuousClock.now - started)"])
        }
        finishClose()
    }

    // MARK: - poll thread

    private func takePollThread() -> KafkaPollThread? {
        pollThreadBox.withLock { box in
            defer { box = nil }
            return box
        }
    }

    /// Stops the poll thread; true if this call did it.
    private func stopPolling() -> Bool {
        guard let thread = takePollThread() else { return false }
        releasePollThread()
        thread.stop()
        return true
    }

    private func finishClose() {
        client.markClosed()
        let waiters = state.withLock { s in
            s.isClosed = true
            defer { s.waiters = [] }
            return s.waiters.map { ($0.continuation, Self.take(&s, $0.max)) }
        }
        for (continuation, messages) in waiters { continuation.resume(returning: messages) }
    }

    /// Takes up to `limit` buffered messages and records what `poll` handed out.
    static func take(_ s: inout State, _ limit: Int) -> [KafkaMessage] {
        let count = Swift.min(limit, s.buffer.count)
        guard count > 0 else { return [] }
        let taken = Array(s.buffer.prefix(count))
        s.buffer.removeFirst(count)
        for message in taken {
            s.handedOffsets[message.topicPartition] = message.offset + 1
        }
        return taken
    }
}
