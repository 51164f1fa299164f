import Dispatch
import SharedCore
import Synchronization

extension KafkaConsumer {
    /// One turn of the poll thread: wait while the buffer is full, read messages, serve
    /// callbacks, answer waiters, restart a stalled fetch, pause/resume a stuck buffer.
    func pollIteration() {
        let isStuck = waitForRoomIfFull()
        let hasWaiters = state.withLock { !$0.waiters.isEmpty }
        var fresh: [KafkaMessage] = []
        var freshBytes = 0
        var next = client.consumerPoll(timeoutMs: pollTimeoutMs(base: hasWaiters ? 10 : 50))
        while let result = next {
            switch result {
            case .success(let message):
                freshBytes += (message.value?.count ?? 0) + (message.key?.count ?? 0)
                fresh.append(message)
            case .failure(let error): if error.code != .partitionEOF { reportError(error) }
            }
            if fresh.count >= 1_000 { break }
            next = client.consumerPoll(timeoutMs: 0)
        }
        let isQueueEmpty = next == nil
        let now = ContinuousClock.now
        if fresh.isEmpty { kickStalledFetches(now: now) }
        let (answers, pauseChange) = state.withLock { s in
            Self.noteTurn(&s, read: fresh.count, bytes: freshBytes, queueEmpty: isQueueEmpty, at: now, prefetchBytes: prefetchBytes)
            s.buffer.append(contentsOf: fresh)
            var answers: [(CheckedContinuation<[KafkaMessage], Never>, [KafkaMessage])] = []
            while let waiter = s.waiters.first, !s.buffer.isEmpty || waiter.deadline <= now {
                s.waiters.removeFirst()
                answers.append((waiter.continuation, Self.take(&s, waiter.max)))
            }
            var change: (pause: Bool, partitions: [TopicPartition])?
            let active = Array(s.assignment.subtracting(s.userPaused))
            if !s.isInternallyPaused && isStuck {
                s.isInternallyPaused = true
                s.internalPauses += 1
                change = (true, active)
            } else if s.isInternallyPaused && s.buffer.count <= bufferCapacity / 2 {
                s.isInternallyPaused = false
                change = (false, active)
            }
            return (answers, change)
        }
        for (continuation, messages) in answers { continuation.resume(returning: messages) }
        if let pauseChange {
            do throws(KafkaError) {
                if pauseChange.pause {
                    try client.pause(pauseChange.partitions)
                } else {
                    try resumeFetching(pauseChange.partitions)
                }
            } catch {
                reportError(error)
            }
        }
    }

    /// Called from the C rebalance callback just before `partitions` are assigned: sets their
    /// fetch state both ways. librdkafka 2.0.2 keeps an application pause on its partition
    /// object across unassign and re-assign (it resets only its own library pause), so a
    /// partition paused when it was revoked would come back paused while `assignment` counts it
    /// as fetching, and nothing would resume it. Before the assign, not after: every pause or
    /// resume takes a new version barrier on the partition, and the assignment's fetch start,
    /// which takes its own on librdkafka's main thread, is dropped as outdated when it reaches
    /// the partition after a newer one: a resume racing it could leave the partition assigned
    /// and never fetched (seen once in a catch-up: one partition of six at no position for
    /// 300 s). Before the assign no fetch start is pending. Only the poll thread changes
    /// `isInternallyPaused`, and this runs on it.
    func prepareAssignment(_ partitions: [TopicPartition]) {
        let pauseNew = state.withLock { $0.isInternallyPaused }
        do throws(KafkaError) {
            if pauseNew { try client.pause(partitions) } else { try client.resume(partitions) }
        } catch {
            reportError(error)
        }
    }

    /// Called from the C rebalance callback: after assign, before revoke/lost is applied.
    func handleRebalance(_ event: RebalanceEvent) {
        switch event.kind {
        case .assign:
            state.withLock { s in
                s.assignment.formUnion(event.partitions)
                for partition in event.partitions { s.handedOffsets[partition] = nil }
            }
            onRebalanceEvent(event)
        case .revoke, .lost:
            onRebalanceEvent(event)
            let hook = state.withLock { $0.revokeHook }
            hook?(event)
            let revoked = Set(event.partitions)
            state.withLock { s in
                s.assignment.subtract(revoked)
                s.userPaused.subtract(revoked)
                for partition in revoked { s.handedOffsets[partition] = nil }
                s.buffer.removeAll { revoked.contains($0.topicPartition) }
            }
        }
    }

    /// Lag per assigned partition: leader high watermark − our position (or the committed
    /// offset before the first message). Queries the partition leaders and the group coordinator
    /// on a dedicated thread, all within `timeout` (also while Kafka is down); refused with
    /// `.closed` once `close()` has begun, `.cancelled` at once for a cancelled caller.
    /// Wraps `rd_kafka_position`, `rd_kafka_committed`, `rd_kafka_offsets_for_times`.
    public func lag(timeout: Duration = .seconds(2)) async throws(KafkaError) -> [PartitionLag] {
        let client = self.client
        try client.ensureOpen("lag")
        let assigned = state.withLock { Array($0.assignment) }
        guard !assigned.isEmpty else { return [] }
        return try await KafkaBlocking.run("lag") { () throws(KafkaError) in
            let deadline = ContinuousClock.now + timeout
            func remaining() throws(KafkaError) -> Duration {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { throw .from(code: .timedOut, context: "lag query (\(timeout))") }
                return left
            }
            var positions = Dictionary(
                uniqueKeysWithValues: client.positions(assigned).map { ($0.topicPartition, $0.offset) })
            let unknown = assigned.filter { (positions[$0] ?? -1) < 0 }
            if !unknown.isEmpty {
                for committed in try client.committedBlocking(unknown, timeout: try remaining()) {
                    positions[committed.topicPartition] = committed.offset
                }
            }
            let highs = Dictionary(
                try client.listOffsetsBlocking(assigned, .latest, timeout: try remaining()).map { ($0.topicPartition, $0.offset) },
                uniquingKeysWith: { first, _ in first })
            // No position and no commit: auto.offset.reset=earliest starts at the low watermark.
            let unpositioned = assigned.filter { (positions[$0] ?? -1) < 0 }
            if !unpositioned.isEmpty {
                for low in try client.listOffsetsBlocking(unpositioned, .earliest, timeout: try remaining()) {
                    positions[low.topicPartition] = low.offset
                }
            }
            var result: [PartitionLag] = []
            for partition in assigned {
                guard let high = highs[partition], high >= 0 else {
                    throw .from(code: .fail, message: "no high watermark in the answer", context: "lag of \(partition)")
                }
                let position = Swift.max(0, positions[partition] ?? 0)
                result.append(
                    PartitionLag(
                        topic: partition.topic, partition: partition.partition,
                        lag: Swift.max(0, high - position), highWatermark: high, position: position))
            }
            return result.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        }
    }

    /// Backpressure without losing what librdkafka has fetched: while the buffer is full the
    /// poll thread leaves the messages in librdkafka's queue (whose own bounds,
    /// `queued.max.messages.kbytes`, stop fetching) and waits until `poll` has taken half of the
    /// buffer. Only when it stays full for ``fullBufferWait`` (the pipeline is stuck) does the
    /// poll thread go on polling, and the buffer bound pauses every partition, so rebalance
    /// callbacks are served and the group keeps us. A pause costs what was fetched ahead: librdkafka
    /// drops its queue of a paused partition, and a resume fetches it again.
    /// Returns true when the buffer stayed full for all of ``fullBufferWait``.
    private func waitForRoomIfFull() -> Bool {
        let deadline = ContinuousClock.now + fullBufferWait
        while true {
            let isFull = state.withLock { s -> Bool in
                let isFull = !s.isPollThreadStopping && !s.isInternallyPaused && s.buffer.count >= bufferCapacity
                s.isWaitingForRoom = isFull
                if isFull { s.hasHeldBackSinceKick = true }
                return isFull
            }
            guard isFull else { return false }
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                state.withLock { $0.isWaitingForRoom = false }
                return true
            }
            _ = roomSignal.wait(timeout: .now() + .nanoseconds(Int(min(left, .milliseconds(100)).wholeNanoseconds)))
        }
    }

    /// Whether `poll`, having just taken from the buffer, should wake the poll thread waiting for room.
    func wakePollThreadIfRoom(_ s: inout State) -> Bool {
        guard s.isWaitingForRoom, s.buffer.count < bufferCapacity / 2 else { return false }
        s.isWaitingForRoom = false
        return true
    }

    /// Ends a wait for room at once (the poll thread is being stopped).
    func releasePollThread() {
        state.withLock { $0.isPollThreadStopping = true }
        roomSignal.signal()
    }
}
