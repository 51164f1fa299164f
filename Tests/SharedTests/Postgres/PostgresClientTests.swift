import SharedCore
@testable import SharedPostgres
@testable import TestSupport
import Testing


private struct Boom: Error {}

@Suite struct PostgresClientTests {
    @Test func queryWithParametersNullAndUnicode() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            #expect(client.connectionState == .disconnected)
            let text = "Grüße 🍕 日本語 \"quoted\" 'single' \\ back\ttab\nnewline"
            let rows = try await client.query(
                "SELECT $1::text AS a, $2::text AS b, $3::int + 1 AS c, ''::text AS empty", [text, nil, "41"])
            #expect(rows.columns == ["a", "b", "c", "empty"])
            #expect(rows.rows == [[text, nil, "42", ""]])
            #expect(rows.value(0, "c") == "42")
            #expect(client.connectionState == .idle)
            #expect(client.isConnected)
            await client.close()
        }
    }

    @Test func multiStatementWithoutParametersAndAffectedRows() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            try await client.execute("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')")
            let inserted = try await client.execute("INSERT INTO t VALUES ($1, $2), ($3, $4)", ["2", "b", "3", nil])
            #expect(inserted == 2)
            let updated = try await client.execute("UPDATE t SET v = 'z' WHERE id >= $1", ["2"])
            #expect(updated == 2)
            let rows = try await client.query("SELECT id, v FROM t ORDER BY id")
            #expect(rows.rows == [["1", "a"], ["2", "z"], ["3", "z"]])
            #expect(rows.affectedRows == 3)
        }
    }

    @Test func undefinedTableCarriesSQLState() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("SELECT * FROM no_such_table WHERE id = $1", ["1"])
            }
            #expect(error?.sqlstate == "42P01")
            #expect(error?.sqlstateClass == "42")
            #expect(error?.isTransient == false)
            #expect(error?.description.contains("'SELECT * FROM no_such_table") == true)
            // the connection stays usable after a statement error
            #expect(try await client.query("SELECT 1").rows == [["1"]])
        }
    }

    @Test func uniqueViolationCarriesSQLStateAndDetail() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            try await client.execute("CREATE TABLE u (id text PRIMARY KEY)")
            try await client.execute("INSERT INTO u VALUES ($1)", ["x"])
            let error = await #expect(throws: PostgresError.self) {
                try await client.execute("INSERT INTO u VALUES ($1)", ["x"])
            }
            guard case .queryFailed(let statement, let sqlstate, _, let detail) = error else {
                Issue.record("expected queryFailed, got \(String(describing: error))")
                return
            }
            #expect(sqlstate == "23505")
            #expect(statement == "'INSERT INTO u VALUES …'")
            #expect(detail?.contains("(id)=(x)") == true)
        }
    }

    @Test func onConflictDoNothingReportsOnlyNewRows() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            #expect(try await PostgresMigrator(client: client).migrate() == [1])
            let insert = """
                INSERT INTO orders (order_id, customer_id, items, total_amount, status, created_at,
                                    kafka_topic, kafka_partition, kafka_offset)
                SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::numeric[], $5::text[],
                                     $6::timestamptz[], $7::text[], $8::int[], $9::bigint[])
                ON CONFLICT (order_id) DO NOTHING
                """
            func batch(_ ids: [String]) -> [String?] {
                func array(_ values: [String]) -> String {
                    "{" + values.map { "\"" + $0.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\"" }
                        .joined(separator: ",") + "}"
                }
                let n = ids.count
                return [
                    array(ids), array(Array(repeating: "CUST-00001", count: n)),
                    array(Array(repeating: #"[{"item_id":"ITEM-01","quantity":1}]"#, count: n)),
                    array(Array(repeating: "12.50", count: n)), array(Array(repeating: "pending", count: n)),
                    array(Array(repeating: "2026-11-23T09:30:00.123Z", count: n)),
                    array(Array(repeating: "food-orders", count: n)), array(Array(repeating: "0", count: n)),
                    array((0..<n).map(String.init)),
                ]
            }
            let first = try await client.execute(insert, batch(["ORD-20261123-00001", "ORD-20261123-00002", "ORD-20261123-00003"]))
            #expect(first == 3)
            let second = try await client.execute(insert, batch(["ORD-20261123-00002", "ORD-20261123-00003", "ORD-20261123-00004"]))
            #expect(second == 1)  // 2 duplicates = 3 - 1
            let single = try await client.execute(
                """
                INSERT INTO orders (order_id, customer_id, items, total_amount, status, created_at,
                                    kafka_topic, kafka_partition, kafka_offset)
                VALUES ($1, 'CUST-1', '[]', 1, 'pending', now(), 't', 0, 0) ON CONFLICT (order_id) DO NOTHING
                """, ["ORD-20261123-00004"])
            #expect(single == 0)
            #expect(try await client.query("SELECT count(*) FROM orders").rows == [["4"]])
        }
    }

    @Test func transactionCommitsAndRollsBackOnThrownError() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            try await client.execute("CREATE TABLE t (id int PRIMARY KEY)")
            let committed = try await client.transaction { tx in
                try tx.execute("INSERT INTO t VALUES ($1)", ["1"])
                return try tx.query("SELECT count(*) FROM t").rows[0][0]
            }
            #expect(committed == "1")
            await #expect(throws: Boom.self) {
                try await client.transaction { tx in
                    try tx.execute("INSERT INTO t VALUES ($1)", ["2"])
                    throw Boom()
                }
            }
            // a failed statement whose error the closure swallowed still rolls back
            let swallowed = await #expect(throws: PostgresError.self) {
                try await client.transaction { tx in
                    try tx.execute("INSERT INTO t VALUES ($1)", ["3"])
                    _ = try? tx.execute("INSERT INTO t VALUES ($1)", ["1"])
                }
            }
            #expect(swallowed?.sqlstate == "25P02")
            #expect(try await client.query("SELECT id FROM t ORDER BY id").rows == [["1"]])
            #expect(try await client.query("SELECT 1").rows == [["1"]])  // connection left idle, not in a transaction
        }
    }

    @Test func copyRoundTripsSpecialCharactersExactly() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            try await client.execute("CREATE TABLE c (n int, a text, b text)")
            let values: [String?] = [
                "tab\there", "line1\nline2", "cr\r\nlf", "back\\slash", "\\N", "\\", "", nil, " spaces ",
                "Grüße 🍕 日本語", "quote\"'", "trailing\\", "\\t literal", String(repeating: "x", count: 300_000),
            ]
            var rows: [[String?]] = []
            for (index, value) in values.enumerated() { rows.append([String(index), value, value == nil ? "b" : nil]) }
            // many rows, so the data crosses several PQputCopyData chunks
            for index in values.count..<20_000 { rows.append([String(index), "row \(index)\t\\\n", nil]) }
            let sent = rows
            let copied = try await client.transaction { tx in
                try tx.copy(into: "c", columns: ["n", "a", "b"], rows: sent)
            }
            #expect(copied == rows.count)
            let back = try await client.query("SELECT c.n::text, c.a, c.b FROM c ORDER BY c.n")
            #expect(back.count == rows.count)
            let firstMismatch = rows.indices.first { back.rows.indices.contains($0) && back.rows[$0] != rows[$0] }
            #expect(firstMismatch == nil, "row \(firstMismatch ?? -1) differs after the COPY round trip")
        }
    }

    @Test func copyErrorsCarrySQLStateAndLeaveConnectionUsable() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            try await client.execute("CREATE TABLE c (id int PRIMARY KEY)")
            let duplicate = await #expect(throws: PostgresError.self) {
                try await client.copy(into: "c", columns: ["id"], rows: [["1"], ["1"]])
            }
            guard case .copyFailed(let table, let sqlstate, _) = duplicate else {
                Issue.record("expected copyFailed, got \(String(describing: duplicate))")
                return
            }
            #expect(table == "c" && sqlstate == "23505")
            let wrongWidth = await #expect(throws: PostgresError.self) {
                try await client.copy(into: "c", columns: ["id"], rows: [["1", "2"]])
            }
            #expect(wrongWidth?.description.contains("row 0 has 2 values, expected 1") == true)
            let missing = await #expect(throws: PostgresError.self) {
                try await client.copy(into: "missing", columns: ["id"], rows: [["1"]])
            }
            #expect(missing?.sqlstate == "42P01")
            #expect(try await client.copy(into: "c", columns: ["id"], rows: [["7"]]) == 1)
            #expect(try await client.query("SELECT id FROM c").rows == [["7"]])
        }
    }

    @Test func nulByteInParameterIsRejectedBeforeSending() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("SELECT $1::text", ["a\u{0}b"])
            }
            #expect(error?.description.contains("parameter $1") == true)
            #expect(error?.isTransient == false)
        }
    }

    @Test func reconnectsAfterServerRestart() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            try await client.ping()
            let firstPID = try await client.query("SELECT pg_backend_pid()").rows[0][0]

            // restarted while idle: the next call notices and reconnects before sending
            try await pg.stop()
            try await pg.start()
            let secondPID = try await client.query("SELECT pg_backend_pid()").rows[0][0]
            #expect(secondPID != firstPID)

            // down: calls fail with a transient error and the state says so
            try await pg.stop()
            let down = await #expect(throws: PostgresError.self) { try await client.ping() }
            #expect(down?.isTransient == true)
            #expect(down?.sqlstateClass == "08")
            #expect(client.connectionState == .disconnected)
            #expect(!client.isConnected)

            try await pg.start()
            try await client.ping()
            #expect(client.connectionState == .idle)
        }
    }

    @Test func connectionRefusedIsTransient() async throws {
        // nothing listens on port 1 of 127.0.0.1
        let client = try PostgresClient(url: "postgresql://nobody:secret@127.0.0.1:1/db?connect_timeout=2", sslmode: .disable)
        let error = await #expect(throws: PostgresError.self) { try await client.connect() }
        guard case .connectionFailed(let target, _) = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(target == "nobody@127.0.0.1:1/db")
        #expect(error?.description.contains("secret") == false)
        #expect(error?.isTransient == true)
    }

    @Test func closedClientRefusesCalls() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            try await client.ping()
            await client.close()
            #expect(client.connectionState == .closed)
            await #expect(throws: PostgresError.closed) { try await client.ping() }
        }
    }

    @Test func concurrentCallsAreSerializedOnOneConnection() async throws {
        try await withTestPostgres { pg in
            let client = try PostgresClient(url: pg.url)
            try await client.execute("CREATE TABLE t (id int PRIMARY KEY)")
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 {
                    group.addTask { try await client.execute("INSERT INTO t VALUES ($1)", [String(index)]) }
                }
                var total = 0
                for try await count in group { total += count }
                #expect(total == 50)
            }
            let sessions = try await client.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'")
            #expect(sessions.rows == [["1"]])
        }
    }
}
