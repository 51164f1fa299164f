import Logging
import ServiceLifecycle
import SharedLifecycle
import SharedLogging
import SharedPostgres
import Synchronization

/// Brings the database schema up to date, then tells whoever waits (the pipeline) and idles
/// until shutdown.
///
/// Migrations run under the advisory lock (``PostgresMigrator``), so several replicas can start
/// at once. While PostgreSQL is unreachable they are retried with ``Backoff`` (the daemon stays
/// alive, `/health` answers, `/ready` fails with the `schema` check naming the error). The
/// migration connection is closed as soon as the migrations are applied.
final class SchemaMigrationService: Service, Sendable {
    /// Readiness check name.
    static let schemaCheck = "schema"

    let migrator: PostgresMigrator
    let readiness: Readiness
    let backoff: Backoff
    let logger: Logger
    /// true once applied; false when shutdown came first. Read by `waitUntilApplied`.
    private let outcome: AsyncStream<Bool>
    private let report: AsyncStream<Bool>.Continuation
    private let isApplying = Mutex(true)

    init(
        migrator: PostgresMigrator, readiness: Readiness,
        backoff: Backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(5)), logger: Logger
    ) {
        self.migrator = migrator
        self.readiness = readiness
        self.backoff = backoff
        self.logger = logger
        (outcome, report) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        readiness.register(Self.schemaCheck)
    }

    func run() async throws {
        let applied = await migrateWithRetry()
        isApplying.withLock { $0 = false }
        report.yield(applied)
        report.finish()
        await migrator.client.close()
        if applied { try? await gracefulShutdown() }
    }

    /// Waits until the migrations are applied (true), or until they never will be: shutdown
    /// came first, or the waiting task was cancelled (false). One waiter (the pipeline).
    func waitUntilApplied() async -> Bool {
        for await applied in outcome { return applied }
        return false
    }

    /// True while migrations are still being attempted (waiting for PostgreSQL counts as alive).
    var isMigrating: Bool { isApplying.withLock { $0 } }

    /// Retries until the migrations are applied (true) or graceful shutdown/cancellation (false).
    func migrateWithRetry() async -> Bool {
        let done: Bool? = try? await cancelWhenGracefulShutdown { [self] () async throws -> Bool in
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
