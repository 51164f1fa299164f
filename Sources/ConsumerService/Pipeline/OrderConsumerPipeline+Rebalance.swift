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

    /// Runs on the poll thread before revoked/lost partitions are taken away: wait (at most
    /// `revokeWait` in all) until the batch in hand is written and the offsets handed to the
    /// committer are committed (the partitions are still ours, so the commit is accepted), then
    /// forget the partitions. A batch still unfinished drops their messages, and positions not
    /// committed in time are dropped (the next owner reads them again: duplicates, never a loss).
    func revokeHook(_ event: RebalanceEvent) {
        let started = ContinuousClock.now
        let waiter: DispatchSemaphore? = state.withLock { s in
            guard event.kind == .revoke, s.isBatchInHand else { return nil }
            let semaphore = DispatchSemaphore(value: 0)
            s.revokeWaiters.append(semaphore)
            return semaphore
        }
        if let waiter {
            let waitMs = Int(configuration.revokeWait.wholeMilliseconds)
            if waiter.wait(timeout: .now() + .milliseconds(waitMs)) == .timedOut {
                logger.warning(
                    "revoke: batch in hand not finished in time; its messages of these partitions are left to the next owner",
                    metadata: ["wait": "\(configuration.revokeWait)"])
            }
        }
        if event.kind == .revoke,
            !committer.waitUntilIdle(timeout: configuration.revokeWait - (ContinuousClock.now - started))
        {
            logger.warning(
                "revoke: offsets not committed in time; the next owner reads those orders again (duplicates, skipped)",
                metadata: ["wait": "\(configuration.revokeWait)"])
        }
        committer.drop(event.partitions)
        let revoked = Set(event.partitions)
        let count = state.withLock { s in
            s.assigned.subtract(revoked)
            for partition in revoked {
                s.assignedAt[partition] = nil
                s.lastCommittedTimestampMs[partition] = nil
            }
            if s.isBatchInHand { s.revokedDuringBatch.formUnion(revoked) }
            if s.assigned.isEmpty && s.unassignedSince == nil { s.unassignedSince = .now }
            return s.assigned.count
        }
        metrics.assignedPartitions.set(Double(count))
        updateKafkaReadiness()
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
