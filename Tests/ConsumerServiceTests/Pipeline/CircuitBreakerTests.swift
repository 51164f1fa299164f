@testable import ConsumerService
import Testing

@Suite struct CircuitBreakerTests {
    @Test func opensAfterConsecutiveFailuresOnly() {
        let breaker = CircuitBreaker(failureThreshold: 3, resetTimeout: .seconds(5))
        let t0 = ContinuousClock.now
        #expect(breaker.recordFailure(now: t0) == nil)
        #expect(breaker.recordFailure(now: t0) == nil)
        #expect(breaker.recordSuccess() == nil)  // resets the count; still closed
        #expect(breaker.consecutiveFailures == 0)
        #expect(breaker.recordFailure(now: t0) == nil)
        #expect(breaker.recordFailure(now: t0) == nil)
        let opened = breaker.recordFailure(now: t0)
        #expect(opened == CircuitBreaker.Transition(from: .closed, to: .open(until: t0 + .seconds(5))))
        #expect(breaker.state.gaugeValue == 2)
    }

    @Test func openRefusesUntilResetThenHalfOpenTrial() {
        let breaker = CircuitBreaker(failureThreshold: 1, resetTimeout: .seconds(5))
        let t0 = ContinuousClock.now
        breaker.recordFailure(now: t0)
        #expect(breaker.permit(now: t0 + .seconds(4)).isPermitted == false)
        let trial = breaker.permit(now: t0 + .seconds(5))
        #expect(trial.isPermitted)
        #expect(trial.transition?.to == .halfOpen)
        #expect(breaker.state.gaugeValue == 1)
        // The trial fails: open again for a full reset timeout.
        let reopened = breaker.recordFailure(now: t0 + .seconds(6))
        #expect(reopened?.to == .open(until: t0 + .seconds(11)))
        #expect(breaker.permit(now: t0 + .seconds(10)).isPermitted == false)
        #expect(breaker.permit(now: t0 + .seconds(11)).isPermitted)
        // The next trial succeeds: closed.
        #expect(breaker.recordSuccess() == CircuitBreaker.Transition(from: .halfOpen, to: .closed))
        #expect(breaker.state == .closed)
        #expect(breaker.state.gaugeValue == 0)
    }

    @Test func thresholdBelowOneIsTreatedAsOne() {
        let breaker = CircuitBreaker(failureThreshold: 0, resetTimeout: .milliseconds(100))
        #expect(breaker.recordFailure()?.to.isOpen == true)
    }
}
