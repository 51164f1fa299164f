import Logging
import Prometheus
import SharedCore
import SharedKafka
import SharedLogging
import Synchronization

extension LagMonitor {
    /// Feeds one lag measurement (taken at `now`) to the stall detector, then sets
    /// `kafkatrace_consumer_stalled_partitions`, counts `kafkatrace_consumer_stalls_total` and
    /// logs what changed: a warning when partitions become stalled, a notice when the last one
    /// recovers, an info line when some recover while others stay stalled. Nothing while the
    /// state holds, so a long stall is one warning, not a line per measurement.
    func checkStalls(_ lags: [PartitionLag], at now: ContinuousClock.Instant) {
        let snapshot = pipeline.snapshot
        let observations = lags.map {
            StallDetector.Observation(
                partition: TopicPartition(topic: $0.topic, partition: $0.partition), position: $0.position, lag: $0.lag)
        }
        let report = stalls.withLock {
            $0.observe(observations, isPausedForBreaker: snapshot.isPausedForBreaker, now: now)
        }
        metrics.stalledPartitions.set(Double(report.stalled.count))
        if !report.began.isEmpty { metrics.stalls.increment(by: Int64(report.began.count)) }
        log(report, snapshot, now: now)
    }

    private func log(_ report: StallDetector.Report, _ snapshot: OrderConsumerPipeline.Snapshot, now: ContinuousClock.Instant) {
        guard !report.began.isEmpty || !report.recovered.isEmpty else { return }
        var state: Logger.Metadata = [
            "stalled_partitions": .stringConvertible(report.stalled.count),
            "assigned_partitions": .stringConvertible(snapshot.assignedCount),
            "circuit": .string(snapshot.circuit.name),
            "paused_for_breaker": .stringConvertible(snapshot.isPausedForBreaker),
            "batch_in_hand": .stringConvertible(snapshot.isBatchInHand),
            "stall_after_ms": .stringConvertible(stalls.withLock { $0.threshold }.wholeMilliseconds),
        ]
        if !report.began.isEmpty {
            state["partitions"] = .array(report.began.map { Self.metadata($0, now: now) })
            logger.warning(
                report.isNewEpisode
                    ? "consumer stalled: partitions with lag have not advanced"
                    : "consumer stall spreads: more partitions with lag have not advanced",
                metadata: state)
        }
        guard !report.recovered.isEmpty else { return }
        var recovered = state
        recovered["partitions"] = .array(
            report.recovered.sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }.map {
                .dictionary([
                    LogKeys.topic: .string($0.key.topic), LogKeys.partition: .stringConvertible($0.key.partition),
                    LogKeys.reason: .string($0.value.rawValue),
                ])
            })
        if let duration = report.endedEpisode {
            recovered["stalled_seconds"] = .stringConvertible(Int64(duration.inSeconds.rounded()))
            logger.notice("consumer stall ended: no partition is stalled", metadata: recovered)
        } else {
            logger.info("stalled partitions recovered; others are still stalled", metadata: recovered)
        }
    }

    private static func metadata(_ stall: StallDetector.Stall, now: ContinuousClock.Instant) -> Logger.Metadata.Value {
        .dictionary([
            LogKeys.topic: .string(stall.partition.topic), LogKeys.partition: .stringConvertible(stall.partition.partition),
            "lag": .stringConvertible(stall.lag), "position": .stringConvertible(stall.position),
            "no_progress_seconds": .stringConvertible(Int64((now - stall.lastProgress).inSeconds.rounded())),
        ])
    }
}
