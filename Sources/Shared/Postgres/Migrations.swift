import SharedCore

/// The schema migrations, embedded as SQL text (no SwiftPM resources needed).
///
/// Each migration's SQL is self-contained and self-recording (it creates
/// `schema_migrations` if needed and inserts its own version), so a DBA can apply the copy
/// in `deploy/sql/` by hand (`psql -1 -v ON_ERROR_STOP=1 -f deploy/sql/001_orders.sql`) and
/// the consumer's migrator then skips it. A test checks the files equal these constants.

public enum Migrations {
    /// Every migration, ascending.
    public static let all: [PostgresMigration] = [
        PostgresMigration(version: 1, name: "orders", sql: v001Orders)
    ]

    /// The version bookkeeping table; the migrator creates it first (under the lock).
    static let schemaMigrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    int PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """

    /// Migration 001: the `orders` table from docs/CONTRACT.md ("PostgreSQL schema").
    /// Identical to `deploy/sql/001_orders.sql`.
    static let v001Orders = """
        -- KafkaTrace migration 001: orders (docs/CONTRACT.md, "PostgreSQL schema").
        -- Applied by kafkatrace-consumer at start (PostgresMigrator: one transaction, under
        -- pg_advisory_lock). By hand: psql -1 -v ON_ERROR_STOP=1 -f 001_orders.sql

        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    int PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE orders (
            order_id        text PRIMARY KEY,
            customer_id     text NOT NULL,
            items           jsonb NOT NULL,
            total_amount    numeric(10,2) NOT NULL,
            status          text NOT NULL,
            created_at      timestamptz NOT NULL,
            processed_at    timestamptz NOT NULL DEFAULT now(),
            kafka_topic     text NOT NULL,
            kafka_partition int NOT NULL,
            kafka_offset    bigint NOT NULL
        );

        CREATE INDEX orders_customer_id_idx ON orders (customer_id);
        CREATE INDEX orders_created_at_idx ON orders (created_at);

        INSERT INTO schema_migrations (version) VALUES (1) ON CONFLICT (version) DO NOTHING;

        """
}
