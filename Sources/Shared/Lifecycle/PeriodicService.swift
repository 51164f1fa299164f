import ServiceLifecycle

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
