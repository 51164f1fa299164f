import SharedCore
import Testing

@Suite struct DurationUnitsTests {
    @Test func wholeUnitsTruncateTowardZeroAndSaturate() {
        #expect(Duration.microseconds(1_999).wholeMilliseconds == 1)
        #expect(Duration.microseconds(-1_999).wholeMilliseconds == -1)
        #expect(Duration.nanoseconds(1_500).wholeNanoseconds == 1_500)
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeNanoseconds == .min)
        #expect(Duration.milliseconds(-3).clampedNanoseconds == 0)
    }

    /// A timeout never ends a wait early: any part of a millisecond counts as a whole one.
    @Test func timeoutMillisecondsRoundUpClampAtZeroAndAtTheLimit() {
        #expect(Duration.zero.timeoutMilliseconds(atMost: 50) == 0)
        #expect(Duration.nanoseconds(1).timeoutMilliseconds(atMost: 50) == 1)
        #expect(Duration.milliseconds(3).timeoutMilliseconds(atMost: 50) == 3)
        #expect(Duration.nanoseconds(3_000_001).timeoutMilliseconds(atMost: 50) == 4)
        #expect(Duration.milliseconds(-7).timeoutMilliseconds(atMost: 50) == 0)
        #expect(Duration.seconds(2).timeoutMilliseconds(atMost: 1000) == 1000)
        #expect(Duration.seconds(Int64.max).timeoutMilliseconds(atMost: .max) == .max)
    }
}
