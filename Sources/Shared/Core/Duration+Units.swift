/// The conversions from `Duration` to plain numbers that C APIs, metrics and rates need, written
/// once: librdkafka takes milliseconds, Prometheus and rates take seconds, deadlines nanoseconds.
extension Duration {
    /// Whole milliseconds, truncated toward zero (librdkafka's `*_ms` arguments).
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        return ms.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue
    }

    /// Whole nanoseconds, truncated toward zero, saturating at `Int64`'s range.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return ns.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    /// A wait as the millisecond timeout of `epoll_wait` or `rd_kafka_*poll`: rounded up, so the
    /// wait never ends before its deadline; negative gives 0; at most `limit`.
    public func timeoutMilliseconds(atMost limit: Int32) -> Int32 {
        let nanoseconds = max(0, wholeNanoseconds)
        let milliseconds = nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 > 0 ? 1 : 0)
        return Int32(min(milliseconds, Int64(limit)))
    }

    /// The duration in whole nanoseconds, clamped at zero (monotonic deadlines).
    public var clampedNanoseconds: UInt64 {
        UInt64(max(0, wholeNanoseconds))
    }

    /// Seconds as a floating-point number (rates, metrics, backoff arithmetic).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration of `seconds` (rounded to nanoseconds; NaN and negative values give zero).
    public static func seconds(exactly seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(seconds * 1e9, Double(Int64.max))))
    }
}
