import Synchronization

extension OrderConsumerPipeline {
    /// What the pipeline is doing at one instant, for the lag monitor's stall decision and its
    /// log lines.
    struct Snapshot: Sendable, Equatable {
        /// Partitions assigned to this consumer.
        var assignedCount: Int
        /// The partitions are paused on purpose: the circuit breaker is open or half open, or
        /// it just closed and the partitions resume after the batch in hand.
        var isPausedForBreaker: Bool
        /// A polled batch is being written (or retried).
        var isBatchInHand: Bool
        var circuit: CircuitBreaker.State
    }

    var snapshot: Snapshot {
        let circuit = breaker.state
        return state.withLock { s in
            Snapshot(
                assignedCount: s.assigned.count, isPausedForBreaker: s.isPausedForBreaker || s.needsResumeAfterBreaker,
                isBatchInHand: s.isBatchInHand, circuit: circuit)
        }
    }
}
