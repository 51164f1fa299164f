import SharedCore
import SharedOrders

/// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
/// Jitter"): attempt n waits a uniformly random time in [0, min(maximum, initial × 2ⁿ)].
struct Backoff: Sendable, Equatable {
    var initial: Duration
    var maximum: Duration

    /// - Parameters:
    ///   - initial: the cap of the first retry's delay (> 0).
    ///   - maximum: the cap of every delay (≥ initial).
    init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = max(initial, .nanoseconds(1))
        self.maximum = max(maximum, self.initial)
    }

    /// The upper bound of attempt `attempt`'s delay (0-based): min(maximum, initial × 2^attempt).
    func ceiling(attempt: Int) -> Duration {
        let exponent = min(max(0, attempt), 62)
        let factor = Double(UInt64(1) << UInt64(exponent))
        return .seconds(exactly: min(initial.inSeconds * factor, maximum.inSeconds))
    }

    /// A random delay in [0, ceiling(attempt)].
    func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceilingNanoseconds = max(0, ceiling(attempt: attempt).wholeNanoseconds)
        return .nanoseconds(Int64.random(in: 0...ceilingNanoseconds, using: &generator))
    }

    /// A random delay in [0, ceiling(attempt)] from a generator seeded by the system.
    func delay(attempt: Int) -> Duration {
        var generator = SplitMix64()
        return delay(attempt: attempt, using: &generator)
    }
}
