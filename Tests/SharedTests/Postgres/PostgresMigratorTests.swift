import Foundation
@testable import SharedPostgres
@testable import TestSupport
import Testing


@Suite struct PostgresMigratorTests {
    @Test func appliesOnceThenIsANoOp() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            let migrator = PostgresMigrator(client: client)
            #expect(try await migrator.appliedVersions() == [])
            #expect(try await migrator.migrate() == [1])
            #expect(try await migrator.migrate() == [])
            #expect(try await migrator.appliedVersions() == [1])
        }
    }

    @Test func ordersTableMatchesContract() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            _ = try await PostgresMigrator(client: client).migrate()
            let columns = try await client.query(
                """
                SELECT column_name, format_type(atttypid, atttypmod), is_nullable, column_default IS NOT NULL
                FROM information_schema.columns c
                JOIN pg_attribute a ON a.attrelid = 'orders'::regclass AND a.attname = c.column_name
                WHERE table_name = 'orders' ORDER BY ordinal_position
                """)
            #expect(columns.rows == [
                ["order_id", "text", "NO", "f"], ["customer_id", "text", "NO", "f"], ["items", "jsonb", "NO", "f"],
                ["total_amount", "numeric(10,2)", "NO", "f"], ["status", "text", "NO", "f"],
                ["created_at", "timestamp with time zone", "NO", "f"], ["processed_at", "timestamp with time zone", "NO", "t"],
                ["kafka_topic", "text", "NO", "f"], ["kafka_partition", "integer", "NO", "f"], ["kafka_offset", "bigint", "NO", "f"],
            ])
            let indexes = try await client.query("SELECT indexname FROM pg_indexes WHERE tablename = 'orders' ORDER BY indexname")
            #expect(indexes.rows == [["orders_created_at_idx"], ["orders_customer_id_idx"], ["orders_pkey"]])
        }
    }

    @Test func concurrentMigratorsApplyExactlyOnce() async throws {
        try await withTestPostgres { pg in
            let url = pg.url
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        let client = try PostgresClient(url: url)
                        defer { Task { await client.close() } }
                        return try await PostgresMigrator(client: client).migrate()
                    }
                }
                var all: [[Int]] = []
                for try await applied in group { all.append(applied) }
                return all
            }
            #expect(results.count == 3)
            #expect(results.flatMap { $0 } == [1])
            let client = try PostgresClient(url: url)
            #expect(try await client.query("SELECT count(*) FROM pg_class WHERE relname IN ('orders', 'schema_migrations')").rows == [["2"]])
            #expect(try await client.query("SELECT version FROM schema_migrations").rows == [["1"]])
            // the advisory lock was released by everyone
            #expect(try await client.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").rows == [["0"]])
        }
    }

    @Test func failedMigrationRollsBackAndReportsVersion() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            let broken = Migrations.all + [
                PostgresMigration(version: 2, name: "broken", sql: "CREATE TABLE partial (id int); SELECT * FROM nope")
            ]
            let error = await #expect(throws: PostgresError.self) {
                try await PostgresMigrator(client: client, migrations: broken).migrate()
            }
            guard case .migrationFailed(let version, let name, let cause) = error else {
                Issue.record("expected migrationFailed, got \(String(describing: error))")
                return
            }
            #expect(version == 2 && name == "broken" && cause.sqlstate == "42P01")
            #expect(try await PostgresMigrator(client: client).appliedVersions() == [1])
            #expect(try await client.query("SELECT to_regclass('partial') IS NULL").rows == [["t"]])
        }
    }

    @Test func duplicateVersionsAreRejected() async throws {
        let client = try PostgresClient(url: "postgresql://127.0.0.1:1/x")
        let migrations = [PostgresMigration(version: 1, name: "a", sql: ""), PostgresMigration(version: 1, name: "b", sql: "")]
        await #expect(throws: PostgresError.self) { try await PostgresMigrator(client: client, migrations: migrations).migrate() }
    }

    @Test func deployFileEqualsEmbeddedMigration() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("deploy/sql/001_orders.sql"), encoding: .utf8)
        #expect(file == Migrations.v001Orders)
    }
}
