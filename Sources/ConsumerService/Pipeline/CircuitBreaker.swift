import Synchronization

/// A circuit breaker for PostgreSQL writes: closed → open after `failureThreshold`
/// consecutive failures → half open once `resetTimeout` has passed (one trial) → closed on
/// the trial's success, open again on its failure.
///
/// The state machine is a struct in a `Mutex`; methods return the transition (if any) so the
/// caller logs, pauses or resumes after the lock is released. Instants are passed in, so
/// tests drive it without sleeping.
final class CircuitBreaker: Sendable {
    /// The breaker's state.
    enum State: Sendable, Equatable {
        case closed
        /// Failing: no attempts until `until`.
        case open(until: ContinuousClock.Instant)
        /// The reset timeout passed: the next attempt is the trial.
        case halfOpen

        /// `kafkatrace_consumer_circuit_state`: 0 closed, 1 half open, 2 open.
        var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .halfOpen: 1
            case .open: 2
            }
        }

        var name: String {
            switch self {
            case .closed: "closed"
            case .halfOpen: "half_open"
            case .open: "open"
            }
        }

        var isOpen: Bool {
            if case .open = self { return true }
            return false
        }
    }

    /// A state change, reported to the caller.
    struct Transition: Sendable, Equatable {
        var from: State
        var to: State
    }

    struct Machine {
        var state: State = .closed
        var consecutiveFailures = 0
        let failureThreshold: Int
        let resetTimeout: Duration

        /// Whether an attempt may run now; moves open → half open when the timeout passed.
        mutating func permit(now: ContinuousClock.Instant) -> (Bool, Transition?) {
            switch state {
            case .closed, .halfOpen:
                return (true, nil)
            case .open(let until):
                guard now >= until else { return (false, nil) }
                let old = state
                state = .halfOpen
                return (true, Transition(from: old, to: .halfOpen))
            }
        }

        mutating func success() -> Transition? {
            consecutiveFailures = 0
            guard state != .closed else { return nil }
            let old = state
            state = .closed
            return Transition(from: old, to: .closed)
        }

        mutating func failure(now: ContinuousClock.Instant) -> Transition? {
            consecutiveFailures += 1
            let shouldOpen: Bool
            switch state {
            case .closed: shouldOpen = consecutiveFailures >= failureThreshold
            case .halfOpen: shouldOpen = true
            case .open: shouldOpen = false
            }
            guard shouldOpen else { return nil }
            let old = state
            state = .open(until: now + resetTimeout)
            return Transition(from: old, to: state)
        }
    }

    private let machine: Mutex<Machine>

    /// - Parameters:
    ///   - failureThreshold: consecutive failures that open the circuit (`consumer.breaker_failures`, ≥ 1).
    ///   - resetTimeout: how long it stays open before a trial (`consumer.breaker_reset_ms`).
    init(failureThreshold: Int, resetTimeout: Duration) {
        machine = Mutex(Machine(failureThreshold: max(1, failureThreshold), resetTimeout: resetTimeout))
    }

    var state: State { machine.withLock { $0.state } }

    /// Consecutive failures since the last success.
    var consecutiveFailures: Int { machine.withLock { $0.consecutiveFailures } }

    /// Whether an attempt may run at `now` (open → half open once the reset timeout passed).
    func permit(now: ContinuousClock.Instant = .now) -> (isPermitted: Bool, transition: Transition?) {
        let (permitted, transition) = machine.withLock { $0.permit(now: now) }
        return (permitted, transition)
    }

    /// Records a successful attempt; returns the transition to closed, if any.
    @discardableResult
    func recordSuccess() -> Transition? {
        machine.withLock { $0.success() }
    }

    /// Records a failed attempt; returns the transition to open, if any.
    @discardableResult
    func recordFailure(now: ContinuousClock.Instant = .now) -> Transition? {
        machine.withLock { $0.failure(now: now) }
    }
}
