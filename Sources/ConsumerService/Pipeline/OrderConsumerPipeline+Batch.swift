import Foundation
import Logging
import Prometheus
import SharedKafka
import SharedOrders
import SharedPostgres
import Synchronization

extension OrderConsumerPipeline {
    /// A polled batch: valid orders, dead letters, and the commit position of every message.
    struct Batch {
        var records: [OrderRecord] = []
        var letters: [DeadLetter] = []
        /// Per partition: the highest offset + 1 and that message's timestamp.
        var commits: [TopicPartition: (offset: Int64, timestampMs: Int64?)] = [:]

        var isEmpty: Bool { commits.isEmpty }

        mutating func drop(_ partitions: Set<TopicPartition>) {
            guard !partitions.isEmpty else { return }
            records.removeAll { partitions.contains($0.topicPartition) }
            letters.removeAll { partitions.contains($0.source.topicPartition) }
            for partition in partitions { commits[partition] = nil }
        }
    }

    /// Decodes, writes, dead-letters and commits one polled batch; retries until done, the
    /// partitions are revoked, or the shutdown budget for the batch in hand runs out.
    func process(_ messages: [KafkaMessage]) async {
        let kept: [KafkaMessage] = state.withLock { s in
            s.isBatchInHand = true
            s.revokedDuringBatch = []
            // A revoke that slipped in between poll and here already gave these away.
            return messages.filter { s.assigned.contains($0.topicPartition) }
        }
        defer { endBatch() }
        guard !kept.isEmpty else { return }
        var batch = decode(kept)
        metrics.batchSize.record(Double(kept.count))

        var dlqDone = batch.letters.isEmpty
        var dbDone = batch.records.isEmpty
        var attempt = 0
        while true {
            let revoked = state.withLock { $0.revokedDuringBatch }
            if !revoked.isEmpty {
                batch.drop(revoked)
                if batch.isEmpty { return }
            }
            if let reason = giveUpReason() {
                logger.warning(
                    "batch left uncommitted; it will be read again",
                    metadata: ["reason": "\(reason)", "messages": "\(kept.count)"])
                return
            }
            if !dlqDone {
                do {
                    try await deadLetters.publish(batch.letters)
                    dlqDone = true
                } catch {
                    logger.error("dead-letter delivery failed", metadata: ["error": "\(error)", "attempt": "\(attempt + 1)"])
                    await pause(configuration.backoff.delay(attempt: attempt))
                    attempt += 1
                    continue
                }
            }
            if !dbDone {
                let (isPermitted, transition) = breaker.permit()
                if let transition { breakerChanged(transition, error: nil) }
                guard isPermitted else {
                    await waitWhileOpen()
                    continue
                }
                let started = ContinuousClock.now
                do {
                    let outcome = try await store.insert(batch.records)
                    let committedAt = Date()
                    metrics.insertDuration.record(ContinuousClock.now - started)
                    recordInserted(outcome, batch.records, committedAt: committedAt)
                    dbDone = true
                    if let transition = breaker.recordSuccess() { breakerChanged(transition, error: nil) }
                } catch {
                    metrics.dbErrors(sqlstateClass: error.sqlstateClass).increment()
                    let transition = breaker.recordFailure()
                    logger.error(
                        "PostgreSQL batch insert failed",
                        metadata: [
                            "error": "\(error)", "sqlstate": "\(error.sqlstate ?? "none")",
                            "transient": "\(error.isTransient)", "attempt": "\(attempt + 1)",
                            "orders": "\(batch.records.count)",
                        ])
                    if let transition { breakerChanged(transition, error: error) }
                    if !breaker.state.isOpen { await pause(configuration.backoff.delay(attempt: attempt)) }
                    attempt += 1
                    continue
                }
            }
            if await commit(batch) { return }
            attempt += 1
            await pause(configuration.backoff.delay(attempt: attempt))
        }
    }

    private func decode(_ messages: [KafkaMessage]) -> Batch {
        var batch = Batch()
        batch.records.reserveCapacity(messages.count)
        var consumedByTopic: [String: Int64] = [:]
        for message in messages {
            consumedByTopic[message.topic, default: 0] += 1
            let partition = message.topicPartition
            if (batch.commits[partition]?.offset ?? Int64.min) < message.offset + 1 {
                batch.commits[partition] = (message.offset + 1, message.timestampMs)
            }
            do {
                let order = try OrderCodec.decode(message.value ?? [])
                batch.records.append(
                    OrderRecord(order: order, topic: message.topic, partition: message.partition, offset: message.offset))
            } catch {
                metrics.invalid(reason: error.code.rawValue).increment()
                let letter = DeadLetter(message: message, error: error)
                logger.info(
                    "invalid order sent to the dead-letter topic",
                    metadata: ["reason": "\(letter.reasonCode)", "source": "\(letter.source)"])
                batch.letters.append(letter)
            }
        }
        for (topic, count) in consumedByTopic { metrics.consumed(topic: topic).increment(by: count) }
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

    /// Commits the batch's offsets; true when done (committed, or nothing left to commit).
    private func commit(_ batch: Batch) async -> Bool {
        let offsets = state.withLock { s in
            batch.commits.filter { s.assigned.contains($0.key) && !s.revokedDuringBatch.contains($0.key) }
        }
        guard !offsets.isEmpty else { return true }
        let list = offsets.map { TopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value.offset) }
        do {
            try await consumer.commit(list)
            state.withLock { s in
                for (partition, commit) in offsets {
                    if let timestamp = commit.timestampMs { s.lastCommittedTimestampMs[partition] = timestamp }
                }
            }
            return true
        } catch {
            metrics.commitFailures.increment()
            logger.warning(
                "offset commit failed; the orders are in PostgreSQL and will be skipped as duplicates if read again",
                metadata: ["error": "\(error)", "offsets": "\(list)"])
            // A rebalance in progress or a lost generation will not succeed by retrying: the
            // next owner reads from the last commit (duplicates, never a loss).
            return !error.isRetriable
        }
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

    /// Sleeps `duration` in slices, returning early on revoke, cancellation or a spent shutdown budget.
    func pause(_ duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if giveUpReason() != nil || state.withLock({ !$0.revokedDuringBatch.isEmpty }) { return }
            state.withLock { $0.lastLoopAt = .now }
            try? await Task.sleep(for: min(.milliseconds(100), deadline - ContinuousClock.now))
        }
    }

    /// Waits until the open circuit may try again (half open).
    private func waitWhileOpen() async {
        if case .open(let until) = breaker.state {
            await pause(max(.milliseconds(1), until - ContinuousClock.now))
        }
    }

    private func endBatch() {
        let waiters = state.withLock { s in
            s.isBatchInHand = false
            defer { s.revokeWaiters = [] }
            return s.revokeWaiters
        }
        for waiter in waiters { waiter.signal() }
    }
}
