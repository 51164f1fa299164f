#if canImport(Glibc)
import Glibc
#endif

/// Nanoseconds from `CLOCK_MONOTONIC`, for timeouts and request durations on the loop thread.
public enum MonotonicClock {
    /// Wraps `clock_gettime(CLOCK_MONOTONIC)`.
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
