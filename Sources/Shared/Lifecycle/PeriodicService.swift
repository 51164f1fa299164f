import ServiceLifecycle
import SharedCore

/// Runs `body` every `interval` until graceful shutdown: gauge sampling and other small periodic
/// work that should show up in a daemon's service list rather than hide inside another service.
public struct PeriodicService: Service {
    let interval: Duration
    let body: @Sendable () async -> Void

    public init(every interval: Duration, _ body: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.body = body
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { [interval, body] in
            while !Task.isCancelled {
                await body()
                try await Task.sleep(for: interval)
            }
        }
    }
}

extension PeriodicService {
    /// Freed heap memory back to the system every second (`MallocTuning.releaseFreeMemory`): a
    /// burst (a consumer catching up, a producer's backlog while Kafka was unreachable) leaves
    /// free pages in glibc's heaps that it would otherwise keep for good. Both daemons run it.
    public static func releasingFreeMemory() -> PeriodicService {
        PeriodicService(every: .seconds(1)) { MallocTuning.releaseFreeMemory() }
    }
}
