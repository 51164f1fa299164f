import Logging
import ServiceLifecycle
import SharedLifecycle
import SharedLogging
import SharedPostgres

/// Brings the database schema up to date, then runs the pipeline.
///
/// Migrations run under the advisory lock (``PostgresMigrator``), so several replicas can start
/// at once. While PostgreSQL is unreachable they are retried with ``Backoff`` (the daemon stays
/// alive, `/health` answers, `/ready` fails with the `schema` check naming the error); the
/// pipeline joins the group only once the schema is in place. Graceful shutdown during the
/// retries skips the pipeline's loop but still closes its clients.
struct SchemaMigrationService: Service {
    /// Readiness check name.
    static let schemaCheck = "schema"

    let migrator: PostgresMigrator
    let pipeline: OrderConsumerPipeline
    let readiness: Readiness
    let backoff: Backoff
    let logger: Logger

    init(
        migrator: PostgresMigrator, pipeline: OrderConsumerPipeline, readiness: Readiness,
        backoff: Backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(5)), logger: Logger
    ) {
        self.migrator = migrator
        self.pipeline = pipeline
        self.readiness = readiness
        self.backoff = backoff
        self.logger = logger
        readiness.register(Self.schemaCheck)
    }

    func run() async throws {
        let migrated = await migrateWithRetry()
        await migrator.client.close()
        if !migrated { pipeline.requestStop() }
        try await pipeline.run()
    }

    /// Retries until the migrations are applied (true) or graceful shutdown/cancellation (false).
    func migrateWithRetry() async -> Bool {
        let done: Bool? = try? await cancelWhenGracefulShutdown { () async throws -> Bool in
            var attempt = 0
            while !Task.isCancelled {
                do throws(PostgresError) {
                    let applied = try await migrator.migrate()
                    readiness.set(Self.schemaCheck, .passing)
                    if applied.isEmpty {
                        logger.info("database schema is up to date")
                    } else {
                        logger.notice("applied database migrations", metadata: ["versions": "\(applied)"])
                    }
                    return true
                } catch {
                    readiness.set(Self.schemaCheck, .failing(reason: "migrations not applied: \(error)"))
                    if attempt == 0 || attempt % 10 == 0 {
                        logger.warning(
                            "cannot apply database migrations yet; retrying",
                            metadata: [LogKeys.error: "\(error)", "attempt": "\(attempt + 1)"])
                    }
                }
                try await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            }
            return false
        }
        return done ?? false
    }
}
