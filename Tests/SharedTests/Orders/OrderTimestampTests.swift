import Foundation
@testable import SharedOrders
import Testing

@Suite struct OrderTimestampTests {
    @Test func formatsUTCWithMilliseconds() {
        let t = OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_123)  // 2026-11-23T09:30:00.123Z
        #expect(t.description == "2026-11-23T09:30:00.123Z")
        #expect(t.compactDate == "20261123")
        #expect(OrderTimestamp(millisecondsSinceEpoch: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(OrderTimestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
    }

    @Test func parsesRFC3339Variants() {
        let base = OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_123)
        #expect(OrderTimestamp(rfc3339: "2026-11-23T09:30:00.123Z") == base)
        #expect(OrderTimestamp(rfc3339: "2026-11-23t09:30:00.123z") == base)
        #expect(OrderTimestamp(rfc3339: "2026-11-23T10:30:00.123+01:00") == base)
        #expect(OrderTimestamp(rfc3339: "2026-11-23T04:00:00.123-05:30") == base)
        #expect(OrderTimestamp(rfc3339: "2026-11-23T09:30:00.123456789Z") == base)
        #expect(OrderTimestamp(rfc3339: "2026-11-23T09:30:00Z")?.millisecondsSinceEpoch == 1_795_426_200_000)
        #expect(OrderTimestamp(rfc3339: "2026-11-23T09:30:00.1Z")?.millisecondsSinceEpoch == 1_795_426_200_100)
        #expect(OrderTimestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
        #expect(OrderTimestamp(rfc3339: "2016-12-31T23:59:60Z") == OrderTimestamp(rfc3339: "2017-01-01T00:00:00Z"))
    }

    @Test func rejectsMalformedTimestamps() {
        for bad in [
            "", "2026-11-23", "2026-11-23 09:30:00Z", "2026-11-23T09:30:00", "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T09:60:00Z",
            "2026-11-23T09:30:61Z", "2026-11-23T09:30:00.Z", "2026-11-23T09:30:00+0100", "2026-11-23T09:30:00+24:00",
            "0000-01-01T00:00:00Z", "+2026-11-23T09:30:00Z", "2026-11-23T09:30:00ZZ", "2026-1１-23T09:30:00Z",
            "0001-01-01T00:00:00+00:01",
        ] {
            #expect(OrderTimestamp(rfc3339: bad) == nil, "\(bad)")
        }
    }

    @Test func roundTripsAcrossTheCalendar() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let ms = Int64.random(in: OrderTimestamp.minMilliseconds...OrderTimestamp.maxMilliseconds, using: &rng)
            let t = OrderTimestamp(millisecondsSinceEpoch: ms)
            #expect(OrderTimestamp(rfc3339: t.description) == t)
        }
    }

    @Test func agreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var rng = SplitMix64(seed: 8)
        for _ in 0..<200 {
            let ms = Int64.random(in: 0...4_000_000_000_000, using: &rng)
            let t = OrderTimestamp(millisecondsSinceEpoch: ms)
            #expect(formatter.string(from: t.date) == t.description)
        }
    }

    @Test func rememberedDayAgreesWithTheCalendar() {
        // The last day's date is kept in one word; it must never hand one day another's date,
        // also when days alternate and at the ends of the range.
        var rng = SplitMix64(seed: 9)
        let first = OrderTimestamp.floorDiv(OrderTimestamp.minMilliseconds, 86_400_000)
        let last = OrderTimestamp.floorDiv(OrderTimestamp.maxMilliseconds, 86_400_000)
        var days: [Int64] = [first, last, first, 0, -1, 0, 20_426, 20_426, 20_427, 20_426]
        for _ in 0..<3000 { days.append(Int64.random(in: first...last, using: &rng)) }
        for day in days {
            let (y, m, d) = OrderTimestamp.cachedCivil(fromDays: day)
            #expect(y == OrderTimestamp.civil(fromDays: day).0 && m == OrderTimestamp.civil(fromDays: day).1 && d == OrderTimestamp.civil(fromDays: day).2, "day \(day)")
            #expect(OrderTimestamp.daysFromCivil(y, m, d) == day)
        }
    }

    @Test func outOfRangeInstantsClampInsteadOfTrapping() {
        #expect(OrderTimestamp(millisecondsSinceEpoch: .min).description == "0001-01-01T00:00:00.000Z")
        #expect(OrderTimestamp(millisecondsSinceEpoch: .max).description == "9999-12-31T23:59:59.999Z")
        #expect(!OrderTimestamp(millisecondsSinceEpoch: .max).isRepresentable)
        #expect(OrderTimestamp(date: .distantFuture).isRepresentable)
        #expect(OrderTimestamp(date: Date(timeIntervalSince1970: 1e300)).millisecondsSinceEpoch == OrderTimestamp.maxMilliseconds)
        #expect(OrderTimestamp(date: Date(timeIntervalSince1970: 1.5)).millisecondsSinceEpoch == 1500)
    }
}
