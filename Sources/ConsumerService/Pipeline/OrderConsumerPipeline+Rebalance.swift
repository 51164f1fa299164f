import SharedCore
import Dispatch
import Logging
import Prometheus
import SharedKafka
import SharedLifecycle
import SharedPostgres
import Synchronization

extension OrderConsumerPipeline {
    /// Every rebalance event (librdkafka poll thread): count it; on assign, remember the
    /// partitions and keep them paused while the circuit is open.
    func rebalanced(_ event: RebalanceEvent) {
        metrics.rebalances(event.kind).increment()
        logger.info(
            "partitions \(event.kind.rawValue)",
            metadata: ["partitions": "\(event.partitions.map(\.description).joined(separator: ","))"])
        guard event.kind == .assign else { return }
        let (count, isPaused) = state.withLock { s in
            s.assigned.formUnion(event.partitions)
            for partition in event.partitions { s.assignedAt[partition] = .now }
            if !s.assigned.isEmpty { s.unassignedSince = nil }
            return (s.assigned.count, s.isPausedForBreaker)
        }
        metrics.assignedPartitions.set(Double(count))
        if isPaused {
            do throws(KafkaError) { try consumer.pause(event.partitions) } catch { kafkaError(error) }
        }
        updateKafkaReadiness()
    }

    /// Runs on the poll thread before revoked/lost partitions are taken away. On revoke: no new
    /// write takes them, then wait (at most `revokeWait` in all) until the writes holding them
    /// are done and the offsets handed to the committer are committed (the partitions are still
    /// ours, so the commits are accepted), then forget the partitions. A write still unfinished
    /// drops them, and positions not committed in time are dropped: the next owner reads those
    /// orders again (duplicates, skipped), never a loss. Lost partitions are forgotten at once.
    func revokeHook(_ event: RebalanceEvent) {
        let started = ContinuousClock.now
        let revoked = Set(event.partitions)
        state.withLock { $0.revoking.formUnion(revoked) }
        if event.kind == .revoke {
            if !waitForWrites(holding: revoked, until: started + configuration.revokeWait) {
                logger.warning(
                    "revoke: batch in hand not finished in time; its messages of these partitions are left to the next owner",
                    metadata: ["wait": "\(configuration.revokeWait)"])
            }
            if !committer.waitUntilIdle(timeout: configuration.revokeWait - (ContinuousClock.now - started)) {
                logger.warning(
                    "revoke: offsets not committed in time; the next owner reads those orders again (duplicates, skipped)",
                    metadata: ["wait": "\(configuration.revokeWait)"])
            }
        }
        committer.drop(revoked)
        let count = state.withLock { s in
            s.assigned.subtract(revoked)
            s.revoking.subtract(revoked)
            for partition in revoked {
                s.assignedAt[partition] = nil
                s.lastCommittedTimestampMs[partition] = nil
                s.laneOf[partition] = nil
            }
            if s.assigned.isEmpty && s.unassignedSince == nil { s.unassignedSince = .now }
            return s.assigned.count
        }
        metrics.assignedPartitions.set(Double(count))
        updateKafkaReadiness()
    }

    /// Blocks (poll thread) until no write in flight holds any of `partitions`, or `deadline`;
    /// false on timeout.
    private func waitForWrites(holding partitions: Set<TopicPartition>, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let waiter: DispatchSemaphore? = state.withLock { s in
                guard s.writing.values.contains(where: { !$0.isDisjoint(with: partitions) }) else { return nil }
                let semaphore = DispatchSemaphore(value: 0)
                s.writeEndWaiters.append(semaphore)
                return semaphore
            }
            guard let waiter else { return true }
            let remaining = Int(max(.zero, deadline - ContinuousClock.now).wholeMilliseconds)
            if remaining <= 0 || waiter.wait(timeout: .now() + .milliseconds(remaining)) == .timedOut { return false }
        }
    }

    /// Applies a breaker transition: gauge, log, pause/resume, readiness.
    func breakerChanged(_ transition: CircuitBreaker.Transition, error: PostgresError?) {
        metrics.setCircuit(transition.to)
        switch transition.to {
        case .open:
            let reason = "circuit breaker open after \(breaker.consecutiveFailures) consecutive failures: "
                + (error.map { "\($0)" } ?? "unknown error")
            let partitions = state.withLock { s in
                s.isPausedForBreaker = true
                s.breakerReason = reason
                return Array(s.assigned)
            }
            do throws(KafkaError) { try consumer.pause(partitions) } catch { kafkaError(error) }
            logger.error(
                "PostgreSQL circuit open: partitions paused",
                metadata: ["reason": "\(reason)", "retry_in": "\(configuration.breakerReset)"])
        case .halfOpen:
            logger.notice("PostgreSQL circuit half open: trying one batch")
        case .closed:
            state.withLock { s in
                if s.isPausedForBreaker { s.needsResumeAfterBreaker = true }
                s.isPausedForBreaker = false
                s.breakerReason = ""
            }
            logger.notice("PostgreSQL circuit closed: partitions resume once the batch in hand is committed")
        }
        updatePostgresReadiness()
    }

    /// `kafka`: partitions assigned, or a group join in progress shorter than `joinGrace`.
    func updateKafkaReadiness() {
        let check: Readiness.CheckState? = state.withLock { s in
            let new: Readiness.CheckState
            if !s.assigned.isEmpty {
                new = .passing
            } else if let since = s.unassignedSince {
                let waited = ContinuousClock.now - since
                new = waited < configuration.joinGrace
                    ? .passing
                    : .failing(reason: "no partitions assigned for \(waited.components.seconds) s (group join pending, or more members than partitions)")
            } else {
                new = .failing(reason: "no partitions assigned")
            }
            guard new != s.lastKafkaReadiness else { return nil }
            s.lastKafkaReadiness = new
            return new
        }
        if let check { readiness.set(Self.kafkaCheck, check) }
    }

    /// `postgres`: the last health check passed and the circuit is not open.
    func updatePostgresReadiness() {
        let check: Readiness.CheckState? = state.withLock { s in
            let new: Readiness.CheckState
            if s.isPausedForBreaker {
                new = .failing(reason: s.breakerReason)
            } else if let failure = s.pingFailure {
                new = .failing(reason: failure)
            } else {
                new = .passing
            }
            guard new != s.lastPostgresReadiness else { return nil }
            s.lastPostgresReadiness = new
            return new
        }
        if let check { readiness.set(Self.postgresCheck, check) }
    }
}
