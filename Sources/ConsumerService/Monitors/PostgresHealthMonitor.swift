import Logging
import Prometheus
import ServiceLifecycle
import SharedPostgres

/// Pings PostgreSQL every `interval` on its own connection (so a long batch never delays the
/// check) and reports the result to the pipeline's `postgres` readiness check and to
/// `kafkatrace_postgres_up`; refreshes `kafkatrace_postgres_connections{state}` from the
/// health and write connections.
struct PostgresHealthMonitor: Service {
    let client: PostgresClient
    let storeClients: [PostgresClient]
    let pipeline: OrderConsumerPipeline
    let metrics: ConsumerMetrics
    let interval: Duration
    let logger: Logger

    init(
        client: PostgresClient, storeClients: [PostgresClient], pipeline: OrderConsumerPipeline, metrics: ConsumerMetrics,
        interval: Duration = .seconds(2), logger: Logger
    ) {
        self.client = client
        self.storeClients = storeClients
        self.pipeline = pipeline
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var wasUp: Bool?
            while !Task.isCancelled {
                let failure = await check()
                if let failure, wasUp != false {
                    logger.warning("PostgreSQL health check failing", metadata: ["error": "\(failure)"])
                } else if failure == nil, wasUp == false {
                    logger.info("PostgreSQL health check passing again")
                }
                wasUp = failure == nil
                try await Task.sleep(for: interval)
            }
        }
        await client.close()
    }

    /// One health check (also called by tests); returns the failure, nil when PostgreSQL answered.
    @discardableResult
    func check() async -> String? {
        var failure: String?
        do {
            try await client.ping()
        } catch {
            failure = "PostgreSQL ping failed: \(error)"
        }
        metrics.postgresUp.set(failure == nil ? 1.0 : 0.0)
        var idle = 0.0
        var busy = 0.0
        for state in [client.connectionState] + storeClients.map(\.connectionState) {
            if state == .idle { idle += 1 }
            if state == .busy { busy += 1 }
        }
        metrics.postgresConnectionsIdle.set(idle)
        metrics.postgresConnectionsBusy.set(busy)
        pipeline.reportPostgresHealth(failure: failure)
        return failure
    }
}
