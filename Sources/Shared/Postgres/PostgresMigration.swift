/// One versioned schema change, applied once in its own transaction by `PostgresMigrator`.
public struct PostgresMigration: Sendable, Equatable {
    /// Positive, unique; applied in ascending order and recorded in `schema_migrations`.
    let version: Int
    /// Short name for messages (`orders`).
    public let name: String
    /// The SQL (several statements allowed), also shipped as `deploy/sql/NNN_name.sql`.
    let sql: String

    init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
