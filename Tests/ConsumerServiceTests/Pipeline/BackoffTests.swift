@testable import ConsumerService
@testable import SharedOrders
import Testing

@Suite struct BackoffTests {
    @Test func ceilingDoublesUpToTheMaximum() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(100))
        #expect(backoff.ceiling(attempt: 1) == .milliseconds(200))
        #expect(backoff.ceiling(attempt: 3) == .milliseconds(800))
        #expect(backoff.ceiling(attempt: 4) == .seconds(1))
        #expect(backoff.ceiling(attempt: 1000) == .seconds(1))
        #expect(backoff.ceiling(attempt: -5) == .milliseconds(100))
    }

    @Test func fullJitterStaysWithinTheCeilingAndVaries() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        var rng = SplitMix64(seed: 42)
        var seen = Set<Duration>()
        for attempt in 0..<10 {
            for _ in 0..<50 {
                let delay = backoff.delay(attempt: attempt, using: &rng)
                #expect(delay >= .zero)
                #expect(delay <= backoff.ceiling(attempt: attempt))
                seen.insert(delay)
            }
        }
        #expect(seen.count > 400)  // jittered, not a fixed schedule
    }

    @Test func maximumBelowInitialIsRaised() {
        let backoff = Backoff(initial: .seconds(2), maximum: .seconds(1))
        #expect(backoff.maximum == .seconds(2))
    }
}
