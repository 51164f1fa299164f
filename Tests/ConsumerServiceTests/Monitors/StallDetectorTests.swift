@testable import ConsumerService
import SharedKafka
import Testing

/// The stall decision, driven with made-up instants (no servers, no sleeping).
@Suite struct StallDetectorTests {
    let t0 = ContinuousClock.now
    let p0 = TopicPartition(topic: "food-orders", partition: 0)
    let p1 = TopicPartition(topic: "food-orders", partition: 1)

    func at(_ seconds: Int) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    func observe(
        _ detector: inout StallDetector, _ seconds: Int, _ partitions: [(TopicPartition, position: Int64, lag: Int64)],
        paused: Bool = false
    ) -> StallDetector.Report {
        detector.observe(
            partitions.map { StallDetector.Observation(partition: $0.0, position: $0.position, lag: $0.lag) },
            isPausedForBreaker: paused, now: at(seconds))
    }

    @Test func lagWithoutProgressIsStalledOnceTheThresholdPassesAndReportedOnce() {
        var detector = StallDetector(threshold: .seconds(60))
        #expect(observe(&detector, 0, [(p0, 100, 5)]).stalled.isEmpty)
        #expect(observe(&detector, 55, [(p0, 100, 40)]).stalled.isEmpty)
        let begins = observe(&detector, 60, [(p0, 100, 45)])
        #expect(begins.isNewEpisode)
        #expect(begins.began == [StallDetector.Stall(partition: p0, position: 100, lag: 45, lastProgress: at(0))])
        #expect(begins.stalled == begins.began)
        #expect(detector.stalledCount == 1)
        // Still stalled: it stays in `stalled`, but nothing begins again.
        for second in stride(from: 65, through: 300, by: 5) {
            let report = observe(&detector, second, [(p0, 100, Int64(second))])
            #expect(report.began.isEmpty && !report.isNewEpisode && report.recovered.isEmpty)
            #expect(report.stalled.map(\.partition) == [p0])
            #expect(report.endedEpisode == nil)
        }
    }

    @Test func progressEndsTheStallAndTheEpisode() {
        var detector = StallDetector(threshold: .seconds(10))
        _ = observe(&detector, 0, [(p0, 100, 5)])
        #expect(observe(&detector, 10, [(p0, 100, 9)]).began.count == 1)
        let ends = observe(&detector, 25, [(p0, 101, 8)])
        #expect(ends.recovered == [p0: .progressed])
        #expect(ends.stalled.isEmpty)
        #expect(ends.endedEpisode == .seconds(25))
        #expect(detector.stalledCount == 0)
        // Its clock restarted with the progress: another full threshold before it stalls again.
        #expect(observe(&detector, 34, [(p0, 101, 20)]).began.isEmpty)
        #expect(observe(&detector, 35, [(p0, 101, 21)]).began.count == 1)
    }

    @Test func aSlowButMovingConsumerIsNotStalled() {
        var detector = StallDetector(threshold: .seconds(10))
        for step in 0..<60 {
            let report = observe(&detector, step * 5, [(p0, Int64(step), Int64(10_000 + step * 100))])
            #expect(report.stalled.isEmpty)
        }
    }

    @Test func aPositionMovingBackwardsIsMovementToo() {
        var detector = StallDetector(threshold: .seconds(10))
        _ = observe(&detector, 0, [(p0, 500, 5)])
        #expect(observe(&detector, 9, [(p0, 400, 105)]).stalled.isEmpty)  // rewound
        #expect(observe(&detector, 18, [(p0, 400, 105)]).stalled.isEmpty)
        #expect(observe(&detector, 19, [(p0, 400, 105)]).began.count == 1)
    }

    @Test func nothingToConsumeIsNotAStallAndTheClockStartsWhenLagAppears() {
        var detector = StallDetector(threshold: .seconds(10))
        for second in stride(from: 0, through: 600, by: 5) {
            #expect(observe(&detector, second, [(p0, 100, 0)]).stalled.isEmpty)
        }
        // New messages after ten idle minutes: not stalled at once, only once the threshold
        // passed since the last measurement without lag.
        #expect(observe(&detector, 605, [(p0, 100, 3)]).stalled.isEmpty)
        #expect(observe(&detector, 609, [(p0, 100, 3)]).stalled.isEmpty)
        #expect(observe(&detector, 610, [(p0, 100, 3)]).began.count == 1)
        // The lag disappears without the position moving (log truncated): caught up.
        let ends = observe(&detector, 620, [(p0, 100, 0)])
        #expect(ends.recovered == [p0: .caughtUp])
        #expect(ends.endedEpisode == .seconds(20))
    }

    @Test func partitionsPausedForTheCircuitBreakerAreNeverStalled() {
        var detector = StallDetector(threshold: .seconds(10))
        _ = observe(&detector, 0, [(p0, 100, 5)], paused: true)
        for second in stride(from: 5, through: 120, by: 5) {
            #expect(observe(&detector, second, [(p0, 100, Int64(second))], paused: true).stalled.isEmpty)
        }
        // Resumed without moving: the threshold counts from the last paused measurement, not
        // from when the pause began.
        #expect(observe(&detector, 125, [(p0, 100, 130)]).stalled.isEmpty)
        #expect(observe(&detector, 129, [(p0, 100, 140)]).stalled.isEmpty)
        #expect(observe(&detector, 130, [(p0, 100, 141)]).began.count == 1)
        // The breaker opens during a stall: the stop is explained now, the stall ends.
        let ends = observe(&detector, 140, [(p0, 100, 150)], paused: true)
        #expect(ends.recovered == [p0: .pausedForBreaker])
        #expect(ends.stalled.isEmpty)
        #expect(ends.endedEpisode == .seconds(20))
    }

    @Test func aRevokedStalledPartitionEndsItsStall() {
        var detector = StallDetector(threshold: .seconds(10))
        _ = observe(&detector, 0, [(p0, 100, 5), (p1, 7, 0)])
        #expect(observe(&detector, 10, [(p0, 100, 5), (p1, 7, 0)]).began.map(\.partition) == [p0])
        let ends = observe(&detector, 15, [(p1, 7, 0)])
        #expect(ends.recovered == [p0: .revoked])
        #expect(ends.endedEpisode == .seconds(15))
        // Assigned again later: a new partition for the detector, its clock starts now.
        #expect(observe(&detector, 20, [(p0, 100, 5), (p1, 7, 0)]).stalled.isEmpty)
        #expect(observe(&detector, 29, [(p0, 100, 5), (p1, 7, 0)]).stalled.isEmpty)
        #expect(observe(&detector, 30, [(p0, 100, 5), (p1, 7, 0)]).began.map(\.partition) == [p0])
    }

    @Test func oneEpisodeSpansPartitionsThatStallAndRecoverAtDifferentTimes() {
        var detector = StallDetector(threshold: .seconds(10))
        _ = observe(&detector, 0, [(p0, 100, 5), (p1, 50, 1)])
        let first = observe(&detector, 10, [(p0, 100, 5), (p1, 51, 1)])
        #expect(first.isNewEpisode && first.began.map(\.partition) == [p0])
        let spreads = observe(&detector, 20, [(p0, 100, 5), (p1, 51, 1)])
        #expect(!spreads.isNewEpisode && spreads.began.map(\.partition) == [p1])
        #expect(spreads.stalled.map(\.partition) == [p0, p1])
        #expect(detector.stalledCount == 2)
        let partly = observe(&detector, 25, [(p0, 120, 0), (p1, 51, 3)])
        #expect(partly.recovered == [p0: .progressed])
        #expect(partly.endedEpisode == nil)
        #expect(partly.stalled.map(\.partition) == [p1])
        let ends = observe(&detector, 30, [(p0, 120, 0), (p1, 60, 0)])
        #expect(ends.recovered == [p1: .progressed])
        #expect(ends.endedEpisode == .seconds(30))
    }

    @Test func oneRecoversWhileAnotherBeginsInTheSameMeasurement() {
        var detector = StallDetector(threshold: .seconds(10))
        _ = observe(&detector, 0, [(p0, 100, 5)])
        _ = observe(&detector, 5, [(p0, 100, 5), (p1, 50, 2)])
        #expect(observe(&detector, 10, [(p0, 100, 5), (p1, 50, 2)]).began.map(\.partition) == [p0])
        let swap = observe(&detector, 15, [(p0, 101, 4), (p1, 50, 2)])
        // The episode goes on (no end notice, no second "new" warning).
        #expect(swap.recovered == [p0: .progressed])
        #expect(swap.began.map(\.partition) == [p1])
        #expect(!swap.isNewEpisode && swap.endedEpisode == nil)
        let ends = observe(&detector, 20, [(p0, 101, 4), (p1, 52, 0)])
        #expect(ends.endedEpisode == .seconds(20))
    }
}
