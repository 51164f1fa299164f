import Logging
import ServiceLifecycle

/// Pings the systemd watchdog (`WATCHDOG=1`) every half `WATCHDOG_USEC` while `isAlive()`
/// returns true, so a wedged main loop stops the pings and systemd restarts the daemon.
///
/// Without a watchdog (`WatchdogSec=` unset) it just waits for shutdown. Put it first in the
/// service list: the group shuts services down in reverse order, so it keeps pinging while the
/// others drain.
struct WatchdogService: Service {
    private let notifier: SystemdNotifier
    private let interval: Duration?
    private let isAlive: @Sendable () -> Bool
    private let logger: Logger

    /// - Parameters:
    ///   - interval: ping interval; nil = half of `WATCHDOG_USEC` (off when unset).
    ///   - isAlive: liveness of the work loops; a ping is skipped while it returns false.
    init(
        notifier: SystemdNotifier = SystemdNotifier(), interval: Duration? = nil, logger: Logger,
        isAlive: @escaping @Sendable () -> Bool
    ) {
        self.notifier = notifier
        self.interval = interval
        self.isAlive = isAlive
        self.logger = logger
    }

    func run() async throws {
        guard let interval = interval ?? notifier.watchdogInterval else {
            logger.debug("systemd watchdog off (no WATCHDOG_USEC)")
            try? await gracefulShutdown()
            return
        }
        logger.info("systemd watchdog on", metadata: ["interval": "\(interval)"])
        let notifier = notifier
        let isAlive = isAlive
        let logger = logger
        try? await cancelWhenGracefulShutdown {
            var wasAlive = true
            while true {
                let alive = isAlive()
                if alive {
                    notifier.watchdog()
                    if !wasAlive { logger.notice("liveness recovered; watchdog pings resumed") }
                } else if wasAlive {
                    logger.error("liveness check failed; withholding watchdog pings")
                }
                wasAlive = alive
                try await Task.sleep(for: interval)
            }
        }
    }
}
