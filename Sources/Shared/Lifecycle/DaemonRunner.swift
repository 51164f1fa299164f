import Logging
import ServiceLifecycle
import SharedLogging
import UnixSignals

/// Runs a daemon's services in a `ServiceGroup` and speaks to systemd about it:
///
/// - SIGTERM and SIGINT (via UnixSignals, never a hand-written signal handler) start graceful
///   shutdown; services stop in reverse order within `shutdownTimeout`, then get cancelled.
/// - `READY=1` + `STATUS=ready` the first time ``Readiness`` is ready (polled), `STATUS=` with
///   the failing checks whenever that changes.
/// - When graceful shutdown starts: `readiness.beginShutdown()` (so `/ready` fails at once),
///   `STOPPING=1` + `STATUS=`.
/// - With `isAlive`, a ``WatchdogService`` pings `WATCHDOG=1` while it returns true.
public struct DaemonRunner: Sendable {
    /// The group; tests call `triggerGracefulShutdown()` on it.
    public let group: ServiceGroup
    private let logger: Logger

    /// - Parameters:
    ///   - services: the daemon's services in dependency order (first started is stopped last).
    ///   - shutdownTimeout: graceful shutdown budget before cancellation (`shutdown.timeout_ms`).
    ///   - isAlive: liveness for the systemd watchdog; nil = no watchdog service.
    public init(
        services: [any Service], readiness: Readiness, logger: Logger,
        notifier: SystemdNotifier = SystemdNotifier(), shutdownTimeout: Duration? = nil,
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        readinessPollInterval: Duration = .milliseconds(100),
        isAlive: (@Sendable () -> Bool)? = nil
    ) {
        var all: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let isAlive {
            all.append(.init(
                service: WatchdogService(notifier: notifier, logger: logger, isAlive: isAlive),
                serviceName: "WatchdogService"))
        }
        all += services.map { .init(service: $0) }
        // Last in the list, so it is the first to hear of graceful shutdown.
        all.append(.init(
            service: ReadinessReporter(
                readiness: readiness, notifier: notifier, pollInterval: readinessPollInterval, logger: logger),
            serviceName: "ReadinessReporter"))
        var configuration = ServiceGroupConfiguration(
            services: all, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownTimeout
        group = ServiceGroup(configuration: configuration)
        self.logger = logger
    }

    /// Runs until every service has stopped. Returns the process exit code: 0 after a clean
    /// shutdown, 1 when a service failed or finished unexpectedly.
    public func run() async -> Int32 {
        do {
            try await group.run()
            logger.info("shutdown complete")
            return 0
        } catch {
            logger.critical("service group failed", metadata: [LogKeys.error: "\(error)"])
            return 1
        }
    }
}

/// Reports readiness to systemd and starts shutdown bookkeeping (see ``DaemonRunner``).
struct ReadinessReporter: Service {
    let readiness: Readiness
    let notifier: SystemdNotifier
    let pollInterval: Duration
    let logger: Logger

    func run() async throws {
        let readiness = readiness
        let notifier = notifier
        let pollInterval = pollInterval
        let logger = logger
        try? await cancelWhenGracefulShutdown {
            var sentReady = false
            var lastStatus = ""
            while true {
                let status = Self.statusLine(readiness.snapshot())
                if status != lastStatus {
                    if status == "ready" && !sentReady {
                        sentReady = true
                        notifier.ready(status: status)
                        logger.notice("ready")
                    } else {
                        notifier.status(status)
                        logger.info("readiness changed", metadata: ["status": "\(status)"])
                    }
                    lastStatus = status
                }
                try await Task.sleep(for: pollInterval)
            }
        }
        readiness.beginShutdown()
        notifier.stopping(status: "shutting down")
        logger.notice("graceful shutdown started")
    }

    /// `ready`, or `starting: kafka (pending: ...), postgres (...)` / `not ready: ...`.
    static func statusLine(_ checks: [Readiness.Check]) -> String {
        let failing = checks.compactMap { check -> String? in
            if case .failing(let reason) = check.state { return "\(check.name) (\(reason))" }
            return nil
        }
        return failing.isEmpty ? "ready" : "not ready: " + failing.joined(separator: ", ")
    }
}
