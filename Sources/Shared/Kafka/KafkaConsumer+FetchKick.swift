import SharedCore
import Synchronization

extension KafkaConsumer {
    /// How long librdkafka's queue may stay empty, with messages known to be waiting on the
    /// brokers, before the poll thread restarts the fetch (`kickStalledFetches`). A fetch of data
    /// that is there answers within milliseconds; the stall it ends lasts up to a second.
    static let fetchStallKick = Duration.milliseconds(10)
    /// The least time between two such restarts.
    static let fetchKickInterval = Duration.milliseconds(20)

    /// How long the poll thread's next wait in librdkafka may last: `base`, or until a fetch
    /// restart falls due (at least 1 ms), so a stalled fetch is restarted when it is due and not
    /// a poll timeout (up to 50 ms) later, while the pipeline drains what is left.
    func pollTimeoutMs(base: Int32) -> Int32 {
        guard let due = state.withLock({ Self.fetchKickDue(in: $0) }) else { return base }
        return Swift.max(1, (due - ContinuousClock.now).timeoutMilliseconds(atMost: base))
    }

    /// When `kickStalledFetches` may next restart a fetch: nil unless librdkafka's queue may
    /// have reached its bound since the last restart.
    static func fetchKickDue(in s: State) -> ContinuousClock.Instant? {
        guard s.hasHeldBackSinceKick, !s.isInternallyPaused else { return nil }
        return max(s.lastMessageAt + fetchStallKick, s.lastFetchKickAt + fetchKickInterval)
    }

    /// The poll thread's bookkeeping after a turn that read `count` messages of `bytes`, ending
    /// with librdkafka's queue empty or not: whether that queue may have reached its bound since
    /// the last fetch restart (`hasHeldBackSinceKick`).
    /// - What the queue held between two moments it was empty: 90 % of the bound
    ///   (`queued.max.messages.kbytes`) read means librdkafka may have stopped fetching.
    /// - The first answer to a restart, when it came within ``fetchStallKick``: a restart's seeks
    ///   reach librdkafka's broker threads one partition at a time, and a broker thread woken by
    ///   the first may fetch its other partitions at their old version; their seeks then purge
    ///   those messages from the queue after they counted towards its bound. So the queue can
    ///   stop fetching after a fill that is mostly thrown away before it is read, and the
    ///   90 % rule does not see it (a one-second stall, traced in a bench catch-up:
    ///   docs/benchmarks.md). With brokers that answer that fast, a fetch found still in flight
    ///   by the next restart is a few milliseconds old; a restart answered later (a distant
    ///   broker) is left to the 90 % rule, so its fetches in flight are not thrown away.
    static func noteTurn(
        _ s: inout State, read count: Int, bytes: Int, queueEmpty: Bool, at now: ContinuousClock.Instant,
        prefetchBytes: Int
    ) {
        if count > 0 {
            s.lastMessageAt = now
            if s.isAwaitingKickAnswer {
                s.isAwaitingKickAnswer = false
                if now - s.lastFetchKickAt <= fetchStallKick { s.hasHeldBackSinceKick = true }
            }
        }
        s.bytesSinceQueueEmpty += bytes
        if queueEmpty {
            if s.bytesSinceQueueEmpty >= prefetchBytes / 10 * 9 { s.hasHeldBackSinceKick = true }
            s.bytesSinceQueueEmpty = 0
        }
    }

    /// Ends librdkafka's fetch stall after a full queue. librdkafka 2.0.2 stops fetching once
    /// its queue is over `queued.max.messages.kbytes` and looks again only when its broker
    /// thread next wakes, up to a second later (later librdkafka documents this as
    /// `fetch.queue.backoff.ms`, default 1000 ms): nothing wakes it when the application drains
    /// the queue. So a consumer catching up would stall for most of a second each time the
    /// queue filled, unless the queue held a second of consumption (memory).
    ///
    /// Called by the poll thread after a turn that read nothing: when librdkafka's queue may
    /// have reached its bound since the last restart (the only way into the stall: the poll
    /// thread held fetching back for a full buffer, or read 90 % of the bound between two
    /// moments the queue was empty), and nothing has arrived for
    /// ``fetchStallKick`` although the brokers' last answers showed more messages (the cached
    /// high watermark is past our position), it seeks those partitions to the application's
    /// position, which wakes their broker threads to fetch at once. A consumer that keeps up, or
    /// waits on slow fetches (a distant broker), never comes near the bound, so its fetches in
    /// flight are never thrown away. librdkafka's queue is empty
    /// then, so the seek throws nothing away but a fetch that may be in flight; the position is
    /// the one after the last message taken from librdkafka, so nothing is skipped or read twice.
    /// Wraps `rd_kafka_get_watermark_offsets`, `rd_kafka_seek_partitions`.
    func kickStalledFetches(now: ContinuousClock.Instant) {
        let candidates: (epoch: Int, positions: [(TopicPartition, Int64)])? = state.withLock { s in
            guard let due = Self.fetchKickDue(in: s), now >= due else { return nil }
            let positions = s.assignment.subtracting(s.userPaused).compactMap { partition in
                Self.applicationPosition(of: partition, in: s).map { (partition, $0) }
            }
            return (s.positionEpoch, positions)
        }
        guard let candidates else { return }
        let behind = candidates.positions.compactMap { partition, position -> TopicPartitionOffset? in
            guard let high = client.cachedWatermarks(partition)?.high, position < high else { return nil }
            return TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: position)
        }
        guard !behind.isEmpty else {
            // Everything the brokers' last answers showed has been read: no fetch is held back,
            // so the poll thread goes back to its usual wait (`pollTimeoutMs`) until the queue
            // comes near its bound again.
            state.withLock { s in
                if s.positionEpoch == candidates.epoch { s.hasHeldBackSinceKick = false }
            }
            return
        }
        // Under the lock, and only if no rewind, resume or pause moved or stopped a partition since
        // the positions were read: a rewind's seek must never be overtaken by this older one.
        // (The seek only queues a request to librdkafka's threads; it does not wait.)
        let error: KafkaError? = state.withLock { s in
            guard s.positionEpoch == candidates.epoch, !s.isInternallyPaused,
                behind.allSatisfy({ s.assignment.contains($0.topicPartition) && !s.userPaused.contains($0.topicPartition) })
            else { return nil }
            s.lastFetchKickAt = now
            s.hasHeldBackSinceKick = false
            s.isAwaitingKickAnswer = true
            s.fetchKicks += 1
            do throws(KafkaError) {
                try client.seek(behind)
                return nil
            } catch {
                return error
            }
        }
        if let error { reportError(error) }
    }
}
