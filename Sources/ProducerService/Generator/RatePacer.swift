import SharedCore
import SharedOrders

/// Paces the order generator at `order.rate` orders per second without drift.
///
/// Deadlines are absolute, counted from `start`: tick *n* is due at `start + n × interval`
/// (`interval = burst / rate`), never "sleep(interval) after the work", so time spent working
/// does not accumulate into drift. Each tick releases `burst` orders back to back (so the mean
/// rate stays `rate`). With `jitter` *j*, each tick is delayed by a random amount in
/// `[0, j × interval)`; since that is less than one interval, ticks never reorder.
///
/// Late ticks are made up: a sleep that wakes late (timer slack, a busy machine) or a slow order
/// leaves ticks whose deadline has passed, and the loop runs them at once, back to back, until
/// it is on schedule again. So the rate holds over any stretch of time, however coarse the
/// sleeps (at 2000/s a tick is 500 µs, less than the timer slack of a default `Task.sleep`).
///
/// Sleeps are at least `minimumSleep` (1 ms by default): when the next deadline is closer than
/// that, the loop sleeps the minimum and makes the ticks that fell due meanwhile back to back on
/// waking, as it makes up any late tick. Above 1000 ticks a second the loop so wakes about once a
/// millisecond instead of once a tick, and no order leaves more than about 1 ms after its slot.
/// Every wake-up of a sleeping task costs the process a few context switches (the timer's thread,
/// then a pool thread): at 2000/s the producer used 30–31% of a core with a sleep per tick and
/// 16–21% with the 1 ms minimum (docs/benchmarks.md).
///
/// Falling behind (policy): a tick is made up only while it is less than `catchUpWindow` late
/// (at least one interval). Ticks later than that are dropped and counted (`skippedTicks`, and
/// `burst` orders each in `shortfallOrders`), and the schedule stays anchored to `start`. So a
/// stall (backpressure, a paused process) never causes a catch-up flood of more than one window
/// of orders, and every slot of the schedule is either made or counted.
///
/// `rate` 0 disables pacing (`nextDeadline()` is nil); `unlimited` never sleeps.
struct RatePacer: Sendable {
    /// Orders per second, as configured by `order.rate`.
    enum Rate: Sendable, Equatable {
        /// Rate 0: the generator is off.
        case disabled
        /// A finite rate, 0.001...1e9 orders per second.
        case perSecond(Double)
        /// As fast as the body runs, no sleeping.
        case unlimited

        /// Parses an `order.rate` value: `unlimited` or a number ≥ 0 (0 = disabled).
        init(parsing text: String) throws(OrderError) {
            let trimmed = text.trimmingASCIIWhitespace
            if trimmed.lowercased() == "unlimited" {
                self = .unlimited
                return
            }
            guard let value = Double(trimmed), value.isFinite, value >= 0 else {
                throw .invalidPacing(key: "order.rate", value: text, allowed: "a number ≥ 0 (0 disables) or unlimited")
            }
            if value == 0 {
                self = .disabled
            } else {
                guard value >= 0.001, value <= 1e9 else {
                    throw .invalidPacing(key: "order.rate", value: text, allowed: "0, 0.001 to 1000000000, or unlimited")
                }
                self = .perSecond(value)
            }
        }
    }

    let rate: Rate
    /// Fraction of the interval a tick may be delayed by, 0...1.
    let jitter: Double
    /// Orders per tick, ≥ 1.
    let burst: Int
    /// The instant tick 0 is due.
    let start: ContinuousClock.Instant
    /// Time between ticks (`burst / rate`); nil unless the rate is finite.
    let interval: Duration?
    /// How late a tick may be and still be made up (never less than one interval).
    let catchUpWindow: Duration

    /// The shortest sleep; a nearer deadline is slept past and made up on waking.
    let minimumSleep: Duration

    /// The default `catchUpWindow`: late by up to a second of orders, the generator catches up.
    static let defaultCatchUpWindow = Duration.seconds(1)
    /// The default `minimumSleep`.
    static let defaultMinimumSleep = Duration.milliseconds(1)

    /// The next tick to hand out.
    private(set) var tick: Int64 = 0
    /// Ticks dropped because the loop fell more than `catchUpWindow` behind.
    private(set) var skippedTicks: Int64 = 0
    private var sentInTick = 0
    private var currentDeadline: ContinuousClock.Instant
    private var rng: SplitMix64

    /// - Parameters:
    ///   - catchUpWindow: how late a tick may be and still be made up (raised to one interval).
    ///   - minimumSleep: the shortest sleep (negative counts as zero).
    ///   - seed: seeds the jitter; nil = random.
    init(
        rate: Rate, jitter: Double = 0, burst: Int = 1, start: ContinuousClock.Instant,
        catchUpWindow: Duration = RatePacer.defaultCatchUpWindow,
        minimumSleep: Duration = RatePacer.defaultMinimumSleep, seed: UInt64? = nil
    ) throws(OrderError) {
        guard jitter.isFinite, jitter >= 0, jitter <= 1 else {
            throw .invalidPacing(key: "order.jitter", value: "\(jitter)", allowed: "0.0 to 1.0")
        }
        guard burst >= 1 else { throw .invalidPacing(key: "order.burst", value: "\(burst)", allowed: "1 or more") }
        if case .perSecond(let r) = rate {
            guard r.isFinite, r >= 0.001, r <= 1e9 else {
                throw .invalidPacing(key: "order.rate", value: "\(r)", allowed: "0.001 to 1000000000, 0 or unlimited")
            }
            let attoseconds = (1e18 * Double(burst) / r).rounded()
            guard attoseconds < 1e36 else {
                throw .invalidPacing(key: "order.burst", value: "\(burst)", allowed: "a burst / rate below 10^18 seconds")
            }
            interval = Duration(attoseconds: Int128(attoseconds))
        } else {
            interval = nil
        }
        self.catchUpWindow = max(catchUpWindow, interval ?? .zero)
        self.minimumSleep = max(minimumSleep, .zero)
        self.rate = rate
        self.jitter = jitter
        self.burst = burst
        self.start = start
        self.currentDeadline = start
        self.rng = seed.map { SplitMix64(seed: $0) } ?? SplitMix64()
    }

    /// The un-jittered due time of tick `n`: `start + n × interval` (exact integer math).
    func baseDeadline(tick n: Int64) -> ContinuousClock.Instant {
        guard let interval else { return start }
        return start + interval * n
    }

    /// The deadline of the next order: the `burst` orders of a tick share their tick's deadline.
    /// Nil when disabled; `start` (always already due) when unlimited.
    mutating func nextDeadline() -> ContinuousClock.Instant? {
        switch rate {
        case .disabled: return nil
        case .unlimited: return start
        case .perSecond: break
        }
        if sentInTick == 0 {
            currentDeadline = baseDeadline(tick: tick)
            if jitter > 0, let interval {
                let unit = Double(rng.next() >> 11) * 0x1p-53  // [0, 1)
                currentDeadline = currentDeadline + interval * (jitter * unit)
            }
        }
        sentInTick += 1
        if sentInTick == burst {
            sentInTick = 0
            tick += 1
        }
        return currentDeadline
    }

    /// Orders the schedule called for and the loop dropped (`skippedTicks × burst`).
    var shortfallOrders: Int64 { skippedTicks * Int64(burst) }

    /// Applies the falling-behind policy at a tick boundary: drops every tick that is
    /// `catchUpWindow` or more late at `now`, so the next tick is the first one still due within
    /// the window. Returns how many ticks were dropped (0 mid-burst, when within the window, or
    /// when not finitely paced).
    @discardableResult
    mutating func skipMissedTicks(now: ContinuousClock.Instant) -> Int64 {
        guard let interval, sentInTick == 0, now >= baseDeadline(tick: tick) + catchUpWindow else { return 0 }
        // The first tick t with baseDeadline(t) + catchUpWindow > now.
        let oldest = now - catchUpWindow
        var target = Int64(((oldest - start) / interval).rounded(.down))
        while target > tick && baseDeadline(tick: target) > oldest { target -= 1 }  // guard float rounding
        while baseDeadline(tick: target) <= oldest { target += 1 }
        let skipped = max(0, target - tick)
        tick += skipped
        skippedTicks += skipped
        return skipped
    }

    /// Calls `body` once per order until the task is cancelled: sleeps until each deadline, or
    /// `minimumSleep` from now if that is later (`Task.sleep(until:clock:)` by default), unless
    /// it has passed; applies `skipMissedTicks` at every tick and reports what it dropped to
    /// `onShortfall` (in orders), never sleeps when unlimited, returns at once when disabled.
    /// Cancellation ends the loop normally; an error from `body` ends it by throwing.
    mutating func run(
        now: () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: (ContinuousClock.Instant) async throws -> Void = { try await Task.sleep(until: $0, clock: .continuous) },
        onShortfall: (_ orders: Int64) -> Void = { _ in },
        _ body: () async throws -> Void
    ) async throws {
        var sinceYield = 0
        while !Task.isCancelled {
            if case .perSecond = rate, sentInTick == 0 {
                let skipped = skipMissedTicks(now: now())
                if skipped > 0 { onShortfall(skipped * Int64(burst)) }
            }
            guard let deadline = nextDeadline() else { return }
            if case .unlimited = rate {
                sinceYield += 1
                if sinceYield >= 1024 {
                    sinceYield = 0
                    await Task.yield()
                }
            } else if case let current = now(), deadline > current {
                do {
                    try await sleep(max(deadline, current + minimumSleep))
                } catch is CancellationError {
                    return
                }
            }
            try await body()
        }
    }
}
