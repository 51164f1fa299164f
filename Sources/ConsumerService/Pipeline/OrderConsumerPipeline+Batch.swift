import Dispatch
import FoundationEssentials
import Logging
import Prometheus
import SharedKafka
import SharedOrders
import SharedPostgres
import Synchronization

extension OrderConsumerPipeline {
    /// Writes one batch of lane `lane` (partitions no longer ours, or being revoked, dropped
    /// first); returns when it is written and handed to the committer, or given up.
    func process(_ queued: OrderBatch, lane: Int) async {
        var batch = queued
        let stale: Set<TopicPartition> = state.withLock { s in
            let stale = Self.stalePartitions(of: batch, in: s).union(batch.partitions.intersection(s.revoking))
            s.writing[lane] = batch.partitions.subtracting(stale)
            return stale
        }
        defer { endWrite(lane: lane) }
        batch.drop(stale)
        guard !batch.isEmpty else { return }
        metrics.batchSize.record(Double(batch.messageCount))
        await write(batch, with: stores[lane])
    }

    /// Partitions of `batch` that are no longer ours as it was polled: revoked since (the next
    /// owner reads them again), or revoked and assigned again (the new assignment reads them
    /// again from the committed offset). Dropping them loses nothing.
    static func stalePartitions(of batch: OrderBatch, in s: State) -> Set<TopicPartition> {
        batch.partitions.filter { partition in
            guard s.assigned.contains(partition), let assignedAt = s.assignedAt[partition] else { return true }
            return assignedAt > batch.polledAt
        }
    }

    /// Dead-letters and writes one batch on one connection, then hands its offsets to the
    /// committer; retries until done, its partitions are revoked, or the shutdown budget for the
    /// batch in hand runs out.
    private func write(_ part: OrderBatch, with store: OrderStore) async {
        var batch = part
        var dlqDone = false
        var dbDone = false
        var attempt = 0
        while true {
            let gone = state.withLock { s in Self.stalePartitions(of: batch, in: s) }
            if !gone.isEmpty {
                batch.drop(gone)
                if batch.isEmpty { return }
            }
            if let reason = giveUpReason() {
                logger.warning(
                    "batch left uncommitted; it will be read again",
                    metadata: ["reason": "\(reason)", "messages": "\(batch.messageCount)"])
                return
            }
            if !dlqDone {
                do {
                    try await deadLetters.publish(batch.letters)
                    dlqDone = true
                } catch {
                    logger.error("dead-letter delivery failed", metadata: ["error": "\(error)", "attempt": "\(attempt + 1)"])
                    await pause(configuration.backoff.delay(attempt: attempt), writing: batch)
                    attempt += 1
                    continue
                }
            }
            let records = batch.records
            if !dbDone && !records.isEmpty {
                let (isPermitted, transition) = breaker.permit()
                if let transition { breakerChanged(transition, error: nil) }
                guard isPermitted else {
                    await waitWhileOpen(writing: batch)
                    continue
                }
                let started = ContinuousClock.now
                do {
                    let outcome = try await store.insert(records, rows: batch.rows)
                    let committedAt = Date()
                    metrics.insertDuration.record(ContinuousClock.now - started)
                    recordInserted(outcome, records, committedAt: committedAt)
                    if let transition = breaker.recordSuccess() { breakerChanged(transition, error: nil) }
                } catch {
                    metrics.dbErrors(sqlstateClass: error.sqlstateClass).increment()
                    let transition = breaker.recordFailure()
                    logger.error(
                        "PostgreSQL batch insert failed",
                        metadata: [
                            "error": "\(error)", "sqlstate": "\(error.sqlstate ?? "none")",
                            "transient": "\(error.isTransient)", "attempt": "\(attempt + 1)",
                            "orders": "\(records.count)",
                        ])
                    if let transition { breakerChanged(transition, error: error) }
                    if !breaker.state.isOpen { await pause(configuration.backoff.delay(attempt: attempt), writing: batch) }
                    attempt += 1
                    continue
                }
            }
            dbDone = true
            // In PostgreSQL and on the DLQ: only now may the offsets go (in the background).
            let positions = state.withLock { s in
                let gone = Self.stalePartitions(of: batch, in: s)
                return batch.commits.filter { !gone.contains($0.key) }
            }
            committer.submit(positions)
            return
        }
    }

    /// Decodes and validates `messages` into a batch (valid orders encoded as COPY rows);
    /// invalid ones become dead letters.
    func decode(_ messages: [KafkaMessage], polledAt: ContinuousClock.Instant) -> OrderBatch {
        var batch = OrderBatch()
        batch.polledAt = polledAt
        for message in messages {
            do {
                let order = try OrderCodec.decode(message.value ?? [])
                let record = OrderRecord(order: order, topic: message.topic, partition: message.partition, offset: message.offset)
                batch.add(message, order: record, letter: nil)
            } catch {
                metrics.invalid(reason: error.code.rawValue).increment()
                let letter = DeadLetter(message: message, error: error)
                logger.info(
                    "invalid order sent to the dead-letter topic",
                    metadata: ["reason": "\(letter.reasonCode)", "source": "\(letter.source)"])
                batch.add(message, order: nil, letter: letter)
            }
        }
        for (topic, count) in batch.messageCountByTopic { metrics.consumed(topic: topic).increment(by: count) }
        return batch
    }

    private func recordInserted(_ outcome: OrderStore.Outcome, _ records: [OrderRecord], committedAt: Date) {
        metrics.insertedOrders.increment(by: Int64(outcome.inserted))
        metrics.duplicateOrders.increment(by: Int64(outcome.duplicates))
        if outcome.duplicates > 0 {
            logger.info("duplicate orders skipped", metadata: ["duplicates": "\(outcome.duplicates)"])
            // Replayed orders are not end-to-end latency samples; we cannot tell which rows were
            // new without RETURNING, so a batch with duplicates is left out of the histogram.
            return
        }
        let nowMs = Int64((committedAt.timeIntervalSince1970 * 1000).rounded(.down))
        for record in records {
            let latencyMs = max(0, nowMs - record.order.createdAt.millisecondsSinceEpoch)
            metrics.endToEndLatency.record(.milliseconds(latencyMs))
        }
    }

    /// Whether `partition` is assigned now (the committer drops positions of others).
    func isAssigned(_ partition: TopicPartition) -> Bool {
        state.withLock { $0.assigned.contains(partition) }
    }

    /// After a successful offset commit: the timestamps behind `kafkatrace_consumer_lag_seconds`.
    func committed(_ positions: [TopicPartition: OffsetCommitter.Position]) {
        state.withLock { s in
            for (partition, position) in positions where s.assigned.contains(partition) {
                if let timestamp = position.timestampMs { s.lastCommittedTimestampMs[partition] = timestamp }
            }
        }
    }

    /// After a failed offset commit.
    func commitFailed(_ error: KafkaError, _ offsets: [TopicPartitionOffset], willRetry: Bool) {
        metrics.commitFailures.increment()
        // A rebalance in progress or a lost generation will not succeed by retrying: the next
        // owner reads from the last commit (duplicates, never a loss).
        logger.warning(
            "offset commit failed; the orders are in PostgreSQL and will be skipped as duplicates if read again",
            metadata: ["error": "\(error)", "offsets": "\(offsets)", "retry": "\(willRetry)"])
    }

    /// Between batches, after the circuit closed (the batch in hand is committed by then): resume the partitions from
    /// what was handed to the pipeline (``KafkaConsumer/rewind(_:)``), so nothing fetched
    /// around the outage is skipped.
    func resumeAfterBreakerIfNeeded() async {
        let partitions: [TopicPartition]? = state.withLock { s in
            guard s.needsResumeAfterBreaker, !s.isPausedForBreaker else { return nil }
            s.needsResumeAfterBreaker = false
            return Array(s.assigned)
        }
        guard let partitions else { return }
        do throws(KafkaError) {
            try await consumer.rewind(partitions)
            logger.notice("partitions resumed after the PostgreSQL outage", metadata: ["partitions": "\(partitions.count)"])
        } catch {
            kafkaError(error)
        }
    }

    /// Why the batch in hand must be abandoned now (shutdown budget spent, cancelled), or nil.
    func giveUpReason() -> String? {
        if Task.isCancelled { return "cancelled" }
        guard let stoppedAt = state.withLock({ $0.stopRequestedAt }) else { return nil }
        let budget = configuration.shutdownTimeout * 0.6
        return ContinuousClock.now - stoppedAt >= budget ? "shutdown budget of \(budget) spent" : nil
    }

    /// Sleeps `duration` in slices, returning early when a partition of `batch` is no longer
    /// ours, on cancellation or a spent shutdown budget.
    func pause(_ duration: Duration, writing batch: OrderBatch) async {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if giveUpReason() != nil || state.withLock({ !Self.stalePartitions(of: batch, in: $0).isEmpty }) { return }
            state.withLock { $0.lastLoopAt = .now }
            try? await Task.sleep(for: min(.milliseconds(100), deadline - ContinuousClock.now))
        }
    }

    /// Waits until the open circuit may try again (half open).
    private func waitWhileOpen(writing batch: OrderBatch) async {
        if case .open(let until) = breaker.state {
            await pause(max(.milliseconds(1), until - ContinuousClock.now), writing: batch)
        }
    }

    /// Lane `lane` finished its write: wake a revoke waiting for it.
    private func endWrite(lane: Int) {
        let waiters = state.withLock { s in
            s.writing[lane] = nil
            defer { s.writeEndWaiters = [] }
            return s.writeEndWaiters
        }
        for waiter in waiters { waiter.signal() }
    }
}
