/// Applies `Migrations.all` (or the given list) to a database, safely from several replicas
/// at once.
///
/// Holds `pg_advisory_lock(advisoryLockKey)` on the client's connection for the whole run,
/// creates `schema_migrations` if needed, then applies each version not recorded yet in its
/// own transaction (the SQL, then its row in `schema_migrations`). A replica that waited for
/// the lock finds everything applied and does nothing.
public struct PostgresMigrator: Sendable {
    /// The advisory lock key every KafkaTrace replica uses (ASCII "KTRCMIGR").
    static let advisoryLockKey: Int64 = 0x4B54_5243_4D49_4752

    public let client: PostgresClient
    public let migrations: [PostgresMigration]

    public init(client: PostgresClient, migrations: [PostgresMigration] = Migrations.all) {
        self.client = client
        self.migrations = migrations
    }

    /// Applies the pending migrations; returns the versions applied now, ascending
    /// (empty when the schema was already up to date).
    /// Throws `.migrationFailed` (rolled back) or the connection/lock error.
    public func migrate() async throws(PostgresError) -> [Int] {
        let pending = try validated()
        let key = String(Self.advisoryLockKey)
        return try await client.withSession { session throws(PostgresError) in
            _ = try session.query("SELECT pg_advisory_lock($1::bigint)", [key])
            defer { _ = try? session.query("SELECT pg_advisory_unlock($1::bigint)", [key]) }
            try session.execute(Migrations.schemaMigrationsTable)
            let recorded = try session.query("SELECT version FROM schema_migrations")
            let done = Set(recorded.rows.compactMap { $0.first.flatMap { $0 }.flatMap { Int($0) } })
            var applied: [Int] = []
            for migration in pending where !done.contains(migration.version) {
                do throws(PostgresError) {
                    try session.execute("BEGIN")
                    try session.execute(migration.sql)
                    try session.execute(
                        "INSERT INTO schema_migrations (version) VALUES ($1) ON CONFLICT (version) DO NOTHING",
                        [String(migration.version)])
                    try session.execute("COMMIT")
                } catch {
                    _ = try? session.execute("ROLLBACK")
                    throw .migrationFailed(version: migration.version, name: migration.name, cause: error)
                }
                applied.append(migration.version)
            }
            return applied
        }
    }

    /// The versions recorded in `schema_migrations`, ascending (empty when the table is missing).
    func appliedVersions() async throws(PostgresError) -> [Int] {
        let exists = try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL")
        guard exists.rows.first?.first == "t" else { return [] }
        let rows = try await client.query("SELECT version FROM schema_migrations ORDER BY version")
        return rows.rows.compactMap { $0.first.flatMap { $0 }.flatMap { Int($0) } }
    }

    private func validated() throws(PostgresError) -> [PostgresMigration] {
        var seen = Set<Int>()
        for migration in migrations {
            guard migration.version > 0, seen.insert(migration.version).inserted else {
                throw .invalidArgument("migration versions must be positive and unique; \(migration.version) (\(migration.name)) is not")
            }
        }
        return migrations.sorted { $0.version < $1.version }
    }
}
