@testable import ProducerService
@testable import SharedKafka
import Testing

@Suite struct DeliveryTrackerTests {
    private func report(_ id: UInt64, error: KafkaError? = nil) -> DeliveryReport {
        DeliveryReport(id: id, topic: "t", partition: 1, offset: Int64(id), error: error, latency: .milliseconds(1))
    }

    @Test func countsInFlightDeliveredAndFailed() {
        let tracker = DeliveryTracker()
        let ids = (0..<6).map { tracker.makeID(expectReport: $0 == 2) }
        #expect(Set(ids).count == 6 && !ids.contains(0))
        #expect(tracker.inFlight == 6)
        tracker.cancel(ids[5])
        for id in ids[0..<4] { tracker.report(report(id)) }
        tracker.report(report(ids[4], error: .queueFull(context: "test")))
        #expect(tracker.inFlight == 0)
        #expect(tracker.reportedTotals == (delivered: 4, failed: 1))
    }

    /// A waiter gets its report whether the report arrives before or after it starts waiting;
    /// reports of ids nobody waits for are not kept.
    @Test func waitersGetTheirReportInEitherOrder() async {
        let tracker = DeliveryTracker()
        let early = tracker.makeID(expectReport: true)
        let late = tracker.makeID(expectReport: true)
        let unwatched = tracker.makeID(expectReport: false)
        tracker.report(report(early))
        tracker.report(report(unwatched))
        #expect(await tracker.wait(for: early).offset == Int64(early))
        async let waited = tracker.wait(for: late)
        try? await Task.sleep(for: .milliseconds(20))
        tracker.report(report(late))
        #expect(await waited.id == late)
        #expect(tracker.inFlight == 0)
    }

    /// Many senders and one reporting thread: every id is unique and every report is counted.
    @Test func concurrentSendersAndReportsBalance() async {
        let tracker = DeliveryTracker()
        let ids = await withTaskGroup(of: [UInt64].self) { group in
            for sender in 0..<4 {
                group.addTask { (0..<2_000).map { tracker.makeID(expectReport: $0 % 100 == sender) } }
            }
            var all: [UInt64] = []
            for await ids in group { all += ids }
            return all
        }
        #expect(Set(ids).count == 8_000)
        #expect(tracker.inFlight == 8_000)
        for id in ids { tracker.report(report(id)) }
        #expect(tracker.inFlight == 0)
        #expect(tracker.reportedTotals.delivered == 8_000)
        let expected = ids.filter { $0 & 1 == 1 }
        #expect(expected.count == 80)
        for id in expected { #expect(await tracker.wait(for: id).id == id) }
    }
}
