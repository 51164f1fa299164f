import SharedKafka

/// Decides which assigned partitions are stalled: the partition has lag (messages past our
/// position) and its position has not moved for `threshold` (`consumer.stall_after_ms`).
///
/// A pure state machine: the lag monitor feeds it each measurement with the instant it was
/// taken and acts on the returned ``Report`` (log lines, metrics) itself; tests drive it with
/// made-up instants and no servers.
///
/// A partition's no-progress clock restarts at every measurement where its position moved, where
/// it had no lag (nothing to consume is not a stall), or where the pipeline kept the partitions
/// paused because the PostgreSQL circuit breaker is open (or half open): that stop is the
/// consumer's own decision, logged and alerted on as `KafkaTraceCircuitBreakerOpen`, so it never
/// counts as a stall (a stall in progress ends when the breaker opens), and once the partitions
/// resume the threshold counts from the last paused measurement. A newly assigned partition
/// starts its clock at its first measurement.
struct StallDetector: Sendable {
    /// One partition's measurement.
    struct Observation: Sendable, Equatable {
        var partition: TopicPartition
        /// The next offset the consumer hands to the pipeline.
        var position: Int64
        /// Messages between `position` and the end of the partition.
        var lag: Int64
    }

    /// A stalled partition, as of the latest measurement.
    struct Stall: Sendable, Equatable {
        var partition: TopicPartition
        var position: Int64
        var lag: Int64
        /// When the partition last moved (or last had nothing to consume).
        var lastProgress: ContinuousClock.Instant
    }

    /// Why a stalled partition is no longer stalled.
    enum Recovery: String, Sendable, Equatable {
        case progressed
        /// No lag left without the position moving (the log was truncated or recreated).
        case caughtUp = "caught_up"
        case pausedForBreaker = "paused_for_breaker"
        /// No longer assigned to this consumer.
        case revoked
    }

    /// What one measurement changed.
    struct Report: Sendable, Equatable {
        /// Partitions that became stalled with this measurement.
        var began: [Stall] = []
        /// Partitions that were stalled and no longer are.
        var recovered: [TopicPartition: Recovery] = [:]
        /// Every partition stalled now (`began` included), ordered by topic and partition.
        var stalled: [Stall] = []
        /// True when no partition was stalled before this measurement and some are now.
        var isNewEpisode = false
        /// Set when the last stalled partition recovered with this measurement: how long the
        /// episode went without progress, from its first partition's last progress until now.
        var endedEpisode: Duration?
    }

    private struct Track {
        var position: Int64
        var lastProgress: ContinuousClock.Instant
        var isStalled = false
    }

    /// How long a partition with lag may keep its position before it counts as stalled.
    let threshold: Duration
    private var tracks: [TopicPartition: Track] = [:]
    /// The first last-progress instant of the episode in progress (nil: nothing stalled).
    private var episodeStart: ContinuousClock.Instant?

    init(threshold: Duration) {
        self.threshold = threshold
    }

    /// Partitions stalled now.
    var stalledCount: Int { tracks.values.count { $0.isStalled } }

    /// Takes one measurement of every assigned partition, taken at `now`. `isPausedForBreaker`:
    /// the pipeline keeps its partitions paused on purpose (circuit breaker).
    mutating func observe(
        _ observations: [Observation], isPausedForBreaker: Bool, now: ContinuousClock.Instant
    ) -> Report {
        var report = Report()
        let measured = Set(observations.map(\.partition))
        for (partition, track) in tracks where !measured.contains(partition) {
            if track.isStalled { report.recovered[partition] = .revoked }
            tracks[partition] = nil
        }
        for observation in observations {
            guard var track = tracks[observation.partition] else {
                tracks[observation.partition] = Track(position: observation.position, lastProgress: now)
                continue
            }
            // Any reason for the position to stand still, or that it moved, restarts the clock.
            let reset: Recovery? =
                isPausedForBreaker ? .pausedForBreaker
                : observation.position != track.position ? .progressed
                : observation.lag <= 0 ? .caughtUp
                : nil
            if let reset {
                if track.isStalled { report.recovered[observation.partition] = reset }
                track = Track(position: observation.position, lastProgress: now)
            } else if !track.isStalled && now - track.lastProgress >= threshold {
                track.isStalled = true
                report.began.append(stall(observation, track))
            }
            tracks[observation.partition] = track
            if track.isStalled { report.stalled.append(stall(observation, track)) }
        }
        report.began.sort(by: Self.order)
        report.stalled.sort(by: Self.order)
        if episodeStart == nil, !report.stalled.isEmpty {
            report.isNewEpisode = true
            episodeStart = report.stalled.map(\.lastProgress).min()
        } else if report.stalled.isEmpty, let start = episodeStart {
            report.endedEpisode = now - start
            episodeStart = nil
        }
        return report
    }

    private func stall(_ observation: Observation, _ track: Track) -> Stall {
        Stall(
            partition: observation.partition, position: observation.position, lag: observation.lag,
            lastProgress: track.lastProgress)
    }

    private static func order(_ a: Stall, _ b: Stall) -> Bool {
        (a.partition.topic, a.partition.partition) < (b.partition.topic, b.partition.partition)
    }
}
