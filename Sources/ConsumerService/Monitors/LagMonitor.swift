import FoundationEssentials
import SharedCore
import Logging
import ServiceLifecycle
import SharedKafka
import Synchronization

/// Every `interval` (5 s): `kafkatrace_consumer_lag_messages{topic,partition}` from the
/// consumer's position and the high watermark, and `kafkatrace_consumer_lag_seconds`; also
/// brings `kafkatrace_consumer_fetch_restarts_total` / `_buffer_pauses_total` up to the Kafka
/// consumer's own totals.
///
/// Lag in seconds is an estimate: when a partition has lag, it is `now − timestamp of the last
/// committed message` of that partition (or the time since the partition was assigned when
/// nothing was committed yet). Every unprocessed message was produced after the last processed
/// one, so this is an upper bound on how long the oldest pending message has waited, and it
/// keeps growing while the consumer is stuck (a rate-based estimate would divide by zero
/// there). 0 when the partition has no lag.
///
/// Each measurement also goes to a ``StallDetector``: a partition with lag whose position has not
/// moved for `stallAfter` (`consumer.stall_after_ms`) is stalled, which is logged once when it
/// begins and once when it ends, and exported (`LagMonitor+Stalls.swift`). A failed lag query
/// tells nothing about progress: the detector keeps its state until the next answer.
final class LagMonitor: Service, Sendable {
    let pipeline: OrderConsumerPipeline
    let metrics: ConsumerMetrics
    let interval: Duration
    let logger: Logger
    let stalls: Mutex<StallDetector>

    init(
        pipeline: OrderConsumerPipeline, metrics: ConsumerMetrics, interval: Duration = .seconds(5),
        stallAfter: Duration, logger: Logger
    ) {
        self.pipeline = pipeline
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
        self.stalls = Mutex(StallDetector(threshold: stallAfter))
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                await update()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One measurement (also called by tests).
    func update() async {
        metrics.addConsumerTotals(
            fetchRestarts: pipeline.consumer.fetchKickCount, bufferPauses: pipeline.consumer.internalPauseCount)
        let lags: [PartitionLag]
        do {
            lags = try await pipeline.consumer.lag(timeout: .seconds(2))
        } catch {
            logger.debug("lag query failed", metadata: ["error": "\(error)"])
            return
        }
        let (committedMs, assignedAt) = pipeline.lagClocks()
        let nowMs = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let now = ContinuousClock.now
        var values: [TopicPartition: (messages: Int64, seconds: Double)] = [:]
        for lag in lags {
            let partition = TopicPartition(topic: lag.topic, partition: lag.partition)
            var seconds = 0.0
            if lag.lag > 0 {
                if let last = committedMs[partition] {
                    seconds = Double(max(0, nowMs - last)) / 1000
                } else if let since = assignedAt[partition] {
                    let waited = now - since
                    seconds = waited.inSeconds
                }
            }
            values[partition] = (lag.lag, seconds)
        }
        metrics.setLag(values)
        checkStalls(lags, at: now)
    }
}
