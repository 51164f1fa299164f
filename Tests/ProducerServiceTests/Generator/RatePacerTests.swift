@testable import ProducerService
@testable import SharedOrders
import Synchronization
import Testing

@Suite struct RatePacerTests {
    static let start = ContinuousClock.now

    @Test func nthDeadlineIsStartPlusNOverRate() throws {
        var pacer = try RatePacer(rate: .perSecond(10), start: Self.start)
        #expect(pacer.interval == .milliseconds(100))
        for n in 0..<1000 {
            #expect(pacer.nextDeadline() == Self.start + .milliseconds(100) * n)
        }
        // No accumulated drift after many ticks.
        #expect(pacer.baseDeadline(tick: 36_000_000) == Self.start + .seconds(3_600_000))
        var thirds = try RatePacer(rate: .perSecond(3), start: Self.start)
        for _ in 0..<3 { _ = thirds.nextDeadline() }
        let next = thirds.nextDeadline()
        let third = try #require(next)
        #expect(abs((third - Self.start - .seconds(1)) / .nanoseconds(1)) < 1)
        var fractional = try RatePacer(rate: .perSecond(0.5), start: Self.start)
        _ = fractional.nextDeadline()
        #expect(fractional.nextDeadline() == Self.start + .seconds(2))
    }

    @Test func burstsShareATickAndKeepTheMeanRate() throws {
        var pacer = try RatePacer(rate: .perSecond(100), burst: 4, start: Self.start)
        #expect(pacer.interval == .milliseconds(40))
        var deadlines: [ContinuousClock.Instant] = []
        for _ in 0..<40 {
            let next = pacer.nextDeadline()
            deadlines.append(try #require(next))
        }
        for group in 0..<10 {
            let slice = deadlines[group * 4..<group * 4 + 4]
            #expect(slice.allSatisfy { $0 == Self.start + .milliseconds(40) * group })
        }
        #expect(pacer.tick == 10)
    }

    @Test func jitterStaysWithinBoundsAndNeverReorders() throws {
        var pacer = try RatePacer(rate: .perSecond(50), jitter: 0.5, burst: 2, start: Self.start, seed: 9)
        let interval = try #require(pacer.interval)
        var previous: ContinuousClock.Instant? = nil
        var offsets: [Duration] = []
        for k in 0..<2000 {
            let next = pacer.nextDeadline()
            let d = try #require(next)
            let base = pacer.baseDeadline(tick: Int64(k / 2))
            #expect(d >= base)
            #expect(d < base + interval * 0.5)
            if let previous { #expect(d >= previous) }
            if k % 2 == 1 { #expect(d == previous) }  // the burst shares its jittered deadline
            previous = d
            offsets.append(d - base)
        }
        #expect(Set(offsets).count > 500)  // it really jitters
        #expect(offsets.contains { $0 > interval * 0.4 } && offsets.contains { $0 < interval * 0.1 })
    }

    @Test func disabledAndUnlimited() throws {
        var off = try RatePacer(rate: .disabled, start: Self.start)
        #expect(off.nextDeadline() == nil)
        var fast = try RatePacer(rate: .unlimited, start: Self.start)
        #expect(fast.nextDeadline() == Self.start)
        #expect(fast.interval == nil)
    }

    @Test func parsesRates() throws {
        #expect(try RatePacer.Rate(parsing: "10") == .perSecond(10))
        #expect(try RatePacer.Rate(parsing: " 2.5 ") == .perSecond(2.5))
        #expect(try RatePacer.Rate(parsing: "0") == .disabled)
        #expect(try RatePacer.Rate(parsing: "unlimited") == .unlimited)
        #expect(try RatePacer.Rate(parsing: "UNLIMITED") == .unlimited)
        for bad in ["-1", "abc", "", "nan", "inf", "0.0001", "1e10"] {
            #expect(throws: OrderError.self, "\(bad)") { try RatePacer.Rate(parsing: bad) }
        }
        #expect(throws: OrderError.self) { try RatePacer(rate: .perSecond(1), jitter: 1.5, start: Self.start) }
        #expect(throws: OrderError.self) { try RatePacer(rate: .perSecond(1), burst: 0, start: Self.start) }
    }

    @Test func lateTicksAreMadeUpWithinTheWindowAndDroppedBeyondIt() throws {
        // Ticks every 200 ms, 2 orders each; ticks up to 1 s late are made up.
        var pacer = try RatePacer(rate: .perSecond(10), burst: 2, start: Self.start, catchUpWindow: .seconds(1))
        #expect(pacer.catchUpWindow == .seconds(1))
        #expect(pacer.skipMissedTicks(now: Self.start + .milliseconds(999)) == 0)  // tick 0 is 999 ms late: made up
        _ = pacer.nextDeadline()
        #expect(pacer.skipMissedTicks(now: Self.start + .seconds(5)) == 0)  // mid-burst: finish it first
        _ = pacer.nextDeadline()
        // Now at tick 1 (due 200 ms); at 2.1 s, ticks 1...5 (due ≤ 1.0 s) are ≥ 1 s late and gone,
        // tick 6 (due 1.2 s) is 900 ms late and made up.
        #expect(pacer.skipMissedTicks(now: Self.start + .milliseconds(2100)) == 5)
        #expect(pacer.skippedTicks == 5)
        #expect(pacer.shortfallOrders == 10)
        #expect(pacer.nextDeadline() == Self.start + .milliseconds(1200))
        #expect(pacer.nextDeadline() == Self.start + .milliseconds(1200))
        #expect(pacer.nextDeadline() == Self.start + .milliseconds(1400))  // back on the original grid
        // The window is never shorter than one interval: at 0.5/s a tick may be 2 s late.
        let slow = try RatePacer(rate: .perSecond(0.5), start: Self.start, catchUpWindow: .milliseconds(10))
        #expect(slow.catchUpWindow == .seconds(2))
    }

    /// A simulated clock: each sleep wakes up late by a random 0–2 ms (four 500 µs intervals at
    /// 2000/s, like a default `Task.sleep` with its timer slack on a busy machine), each order
    /// takes 20 µs. Over 10 simulated seconds the pacer must make 2000/s within 1% and drop nothing.
    @Test func holdsTheRateWithinOnePercentWhenSleepsWakeLate() async throws {
        let rate = 2000.0
        let seconds = 10
        var pacer = try RatePacer(rate: .perSecond(rate), start: Self.start)
        var now = Self.start
        var lateness = SplitMix64(seed: 7)
        var made = 0
        var dropped: Int64 = 0
        struct Stop: Error {}
        do {
            try await pacer.run(
                now: { now },
                sleep: { deadline in now = deadline + .microseconds(Int64(lateness.next() % 2001)) },
                onShortfall: { dropped += $0 }
            ) {
                now += .microseconds(20)
                made += 1
                if now >= Self.start + .seconds(seconds) { throw Stop() }
            }
        } catch is Stop {}
        let expected = rate * Double(seconds)
        #expect(abs(Double(made) - expected) <= expected * 0.01, "made \(made) orders in \(seconds) s at \(rate)/s")
        #expect(dropped == 0)
        #expect(pacer.shortfallOrders == 0)
    }

    /// At 2000/s a tick is due every 500 µs, closer than `minimumSleep` (1 ms): the loop sleeps
    /// the minimum and makes the ticks that fell due meanwhile on waking. Over one simulated
    /// second it wakes at most 1000 times instead of 2000, still makes 2000 orders within 1%,
    /// drops none, and makes no order more than about 1 ms after its slot.
    @Test func sleepsAtLeastTheMinimumAndMakesUpTheTicksDueMeanwhile() async throws {
        let rate = 2000.0
        var pacer = try RatePacer(rate: .perSecond(rate), start: Self.start)
        #expect(pacer.minimumSleep == .milliseconds(1))
        var now = Self.start
        var sleeps = 0
        var shortSleeps = 0
        var made = 0
        var latest = Duration.zero
        struct Stop: Error {}
        do {
            try await pacer.run(
                now: { now },
                sleep: { deadline in
                    if deadline < now + .milliseconds(1) { shortSleeps += 1 }
                    sleeps += 1
                    now = deadline
                },
                onShortfall: { _ in Issue.record("dropped orders") }
            ) {
                // Order n's slot is start + n × 500 µs.
                latest = max(latest, now - (Self.start + .microseconds(500) * made))
                now += .microseconds(20)
                made += 1
                if now >= Self.start + .seconds(1) { throw Stop() }
            }
        } catch is Stop {}
        #expect(abs(Double(made) - rate) <= rate * 0.01, "made \(made) orders in 1 s at \(rate)/s")
        #expect(sleeps > 0 && sleeps <= 1000, "\(sleeps) sleeps")
        #expect(shortSleeps == 0, "\(shortSleeps) sleeps shorter than 1 ms")
        #expect(latest <= .milliseconds(1) + .microseconds(100), "an order was made \(latest) after its slot")
        #expect(pacer.shortfallOrders == 0)
    }

    /// The run loop with an injected clock: sleeps until each absolute deadline, makes up late
    /// ticks at once, drops (and reports) what is beyond the catch-up window.
    @Test func runLoopSleepsToAbsoluteDeadlines() async throws {
        final class FakeClock: Sendable {
            let state: Mutex<(now: ContinuousClock.Instant, sleeps: [ContinuousClock.Instant], bodies: Int)>
            init(_ start: ContinuousClock.Instant) { state = Mutex((start, [], 0)) }
        }
        let clock = FakeClock(Self.start)
        // 250 ms ticks; ticks up to 600 ms late are made up.
        var pacer = try RatePacer(rate: .perSecond(4), start: Self.start, catchUpWindow: .milliseconds(600))
        var reported: [Int64] = []
        struct Stop: Error {}
        do {
            try await pacer.run(
                now: { clock.state.withLock { $0.now } },
                sleep: { deadline in clock.state.withLock { $0.sleeps.append(deadline); $0.now = deadline } },
                onShortfall: { reported.append($0) }
            ) {
                let n = clock.state.withLock { s in
                    s.bodies += 1
                    // Work takes 100 ms, except the 3rd body which stalls for 1.5 s.
                    s.now = s.now + (s.bodies == 3 ? .milliseconds(1500) : .milliseconds(100))
                    return s.bodies
                }
                if n == 9 { throw Stop() }
            }
            Issue.record("run returned without the body stopping it")
        } catch is Stop {}
        let s = clock.state.withLock { $0 }
        // Bodies at 0 (no sleep), 250, 500 (stalls until 2.0 s); ticks 3...5 (due ≤ 1.25 s) are
        // ≥ 600 ms late and dropped; ticks 6...9 (1.5 s to 2.25 s) have passed and run at once,
        // 100 ms apart (2.0 s to 2.3 s); ticks 10 and 11 sleep to their deadlines again.
        let ms: [Int] = [250, 500, 2500, 2750]
        #expect(s.sleeps == ms.map { Self.start + .milliseconds($0) })
        #expect(pacer.skippedTicks == 3)
        #expect(reported == [3])
        #expect(s.bodies == 9)
    }

    @Test func runReturnsAtOnceWhenDisabledAndStopsOnCancel() async throws {
        var off = try RatePacer(rate: .disabled, start: Self.start)
        var calls = 0
        try await off.run { calls += 1 }
        #expect(calls == 0)

        let counted = Mutex(0)
        let task = Task {
            var pacer = try RatePacer(rate: .perSecond(1), start: .now)
            try await pacer.run { counted.withLock { $0 += 1 } }
        }
        task.cancel()
        try await task.value  // returns normally on cancellation
        #expect(counted.withLock { $0 } <= 1)
    }

    @Test func unlimitedRunsTheBodyWithoutSleeping() async throws {
        var pacer = try RatePacer(rate: .unlimited, start: Self.start)
        var calls = 0
        struct Stop: Error {}
        do {
            try await pacer.run(
                now: { Self.start },
                sleep: { _ in Issue.record("unlimited mode slept") }
            ) {
                calls += 1
                if calls == 5000 { throw Stop() }
            }
        } catch is Stop {}
        #expect(calls == 5000)
    }
}
