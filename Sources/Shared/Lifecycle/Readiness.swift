import Synchronization

/// The readiness state of a daemon: named dependency checks that components push
/// (never probed from the HTTP thread), plus a shutdown flag that makes `/ready`
/// fail as soon as graceful shutdown starts.
///
/// A check that was registered but never reported counts as failing ("pending").
public final class Readiness: Sendable {
    /// One check's state.
    public enum CheckState: Sendable, Equatable {
        case passing
        case failing(reason: String)

        public var isPassing: Bool { self == .passing }
    }

    /// A snapshot of one check, for `/ready?verbose`.
    public struct Check: Sendable, Equatable {
        public var name: String
        public var state: CheckState
    }

    private struct State {
        var checks: [String: CheckState] = [:]
        var order: [String] = []
        var isShuttingDown = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Declares a check; it fails with "pending" until the first `set`.
    public func register(_ name: String) {
        state.withLock { s in
            if s.checks[name] == nil {
                s.checks[name] = .failing(reason: "pending: not reported yet")
                s.order.append(name)
            }
        }
    }

    /// Sets a check's state (registers it when new).
    public func set(_ name: String, _ checkState: CheckState) {
        state.withLock { s in
            if s.checks[name] == nil { s.order.append(name) }
            s.checks[name] = checkState
        }
    }

    /// Marks the daemon as shutting down: from now on it is never ready.
    public func beginShutdown() {
        state.withLock { $0.isShuttingDown = true }
    }

    var isShuttingDown: Bool { state.withLock { $0.isShuttingDown } }

    /// Every check in registration order, with `shutdown` first when shutting down.
    public func snapshot() -> [Check] {
        state.withLock { s in
            var out: [Check] = []
            if s.isShuttingDown { out.append(Check(name: "shutdown", state: .failing(reason: "shutting down"))) }
            for name in s.order { out.append(Check(name: name, state: s.checks[name]!)) }
            return out
        }
    }

    /// True when not shutting down and every check passes.
    var isReady: Bool {
        state.withLock { s in !s.isShuttingDown && s.checks.values.allSatisfy(\.isPassing) }
    }
}
