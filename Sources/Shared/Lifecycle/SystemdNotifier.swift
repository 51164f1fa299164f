import CSystemd

/// The systemd notification protocol for `Type=notify` units. Wraps `sd_notify` and
/// `sd_watchdog_enabled` from libsystemd.
///
/// Without `NOTIFY_SOCKET` in the environment every call is a no-op (`sd_notify` returns 0),
/// so daemons call it unconditionally. The environment is never unset (`unset_environment = 0`),
/// so child processes and repeated calls keep working. `sd_notify` sends one datagram on a
/// local socket and does not wait for systemd, so it is called directly.
public struct SystemdNotifier: Sendable {
    /// What became of one notification.
    public enum Outcome: Sendable, Equatable {
        /// Sent to the socket in `NOTIFY_SOCKET`.
        case sent
        /// No `NOTIFY_SOCKET`: not running under systemd (or a unit without notify).
        case notConfigured
        /// `sd_notify` failed with this errno.
        case failed(errno: Int32)
    }

    public init() {}

    /// Sends `state` (newline-separated `KEY=value` assignments) in one datagram.
    /// Wraps `sd_notify(0, state)`.
    @discardableResult
    public func notify(_ state: String) -> Outcome {
        let result = sd_notify(0, state)
        if result > 0 { return .sent }
        if result == 0 { return .notConfigured }
        return .failed(errno: -result)
    }

    /// `READY=1`, plus `STATUS=` when given: start-up finished.
    @discardableResult
    public func ready(status: String? = nil) -> Outcome {
        notify("READY=1" + (status.map { "\nSTATUS=\(Self.oneLine($0))" } ?? ""))
    }

    /// `STATUS=<text>`: shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) -> Outcome {
        notify("STATUS=\(Self.oneLine(text))")
    }

    /// `WATCHDOG=1`: keep-alive ping for `WatchdogSec=`.
    @discardableResult
    func watchdog() -> Outcome {
        notify("WATCHDOG=1")
    }

    /// `STOPPING=1`, plus `STATUS=` when given: graceful shutdown started.
    @discardableResult
    public func stopping(status: String? = nil) -> Outcome {
        notify("STOPPING=1" + (status.map { "\nSTATUS=\(Self.oneLine($0))" } ?? ""))
    }

    /// The watchdog timeout systemd expects pings within (`WATCHDOG_USEC`, honouring
    /// `WATCHDOG_PID`), or nil when the watchdog is off. Wraps `sd_watchdog_enabled(0, &usec)`.
    var watchdogTimeout: Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// How often to ping: half the watchdog timeout, as sd_watchdog_enabled(3) advises.
    var watchdogInterval: Duration? { watchdogTimeout.map { $0 / 2 } }

    /// Whether systemd expects `WATCHDOG=1` pings.
    var isWatchdogEnabled: Bool { watchdogTimeout != nil }

    /// Status text must stay on one line: a newline would start a new assignment.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
