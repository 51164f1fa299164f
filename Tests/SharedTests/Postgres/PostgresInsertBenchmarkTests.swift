import Foundation
@testable import SharedPostgres
@testable import TestSupport
import Testing


/// Insert-path measurement for the consumer (run via `scripts/bench-pg-insert`; disabled in
/// normal test runs, shown as skipped with this reason): multi-row parameterized
/// `INSERT ... ON CONFLICT DO NOTHING` vs COPY into a temp staging table +
/// `INSERT ... SELECT ... ON CONFLICT DO NOTHING`, one transaction per batch.
/// Env: KAFKATRACE_BENCH_ROWS (100000), KAFKATRACE_BENCH_BATCH (1000),
/// KAFKATRACE_BENCH_PG_URL (default: a throwaway server with fsync=off).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KAFKATRACE_BENCH"] == "1", "set KAFKATRACE_BENCH=1 (scripts/bench-pg-insert)"))
struct PostgresInsertBenchmarkTests {
    static let columns = [
        "order_id", "customer_id", "items", "total_amount", "status", "created_at",
        "kafka_topic", "kafka_partition", "kafka_offset",
    ]

    static func rows(prefix: String, count: Int) -> [[String?]] {
        (0..<count).map { index in
            [
                "ORD-20261123-\(String(format: "%05d", index))-\(prefix)", "CUST-\(String(format: "%05d", index % 500))",
                #"[{"item_id":"ITEM-03","name":"Margherita Pizza","quantity":2,"unit_price":12.50}]"#,
                "25.00", "pending", "2026-11-23T09:30:00.123Z", "food-orders", String(index % 6), String(index),
            ]
        }
    }

    @Test func multiRowInsertVersusCopyStaging() async throws {
        let environment = ProcessInfo.processInfo.environment
        let total = Int(environment["KAFKATRACE_BENCH_ROWS"] ?? "") ?? 100_000
        let batchSize = Int(environment["KAFKATRACE_BENCH_BATCH"] ?? "") ?? 1000
        if let url = environment["KAFKATRACE_BENCH_PG_URL"] {
            try await run(url: url, total: total, batchSize: batchSize, target: "KAFKATRACE_BENCH_PG_URL")
        } else {
            try await withTestPostgres { pg in
                try await run(url: pg.url, total: total, batchSize: batchSize, target: "throwaway server, fsync=off")
            }
        }
    }

    private func run(url: String, total: Int, batchSize: Int, target: String) async throws {
        let client = try PostgresClient(url: url)
        _ = try await PostgresMigrator(client: client).migrate()
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 36).uppercased()
        let columnList = Self.columns.joined(separator: ", ")

        // A: multi-row parameterized INSERT ... ON CONFLICT DO NOTHING
        let rowsA = Self.rows(prefix: "A\(tag)", count: total)
        let clock = ContinuousClock()
        var insertedA = 0
        let elapsedA = try await clock.measure {
            for start in stride(from: 0, to: total, by: batchSize) {
                let batch = Array(rowsA[start..<min(start + batchSize, total)])
                var placeholders: [String] = []
                var params: [String?] = []
                for row in batch {
                    let base = params.count
                    placeholders.append("(" + (1...row.count).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
                    params.append(contentsOf: row)
                }
                let sql = "INSERT INTO orders (\(columnList)) VALUES \(placeholders.joined(separator: ", ")) ON CONFLICT (order_id) DO NOTHING"
                let values = params
                insertedA += try await client.transaction { tx in try tx.execute(sql, values) }
            }
        }

        // B: COPY into a temp staging table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING
        let rowsB = Self.rows(prefix: "B\(tag)", count: total)
        var insertedB = 0
        let elapsedB = try await clock.measure {
            for start in stride(from: 0, to: total, by: batchSize) {
                let batch = Array(rowsB[start..<min(start + batchSize, total)])
                insertedB += try await client.transaction { tx in
                    try tx.execute("CREATE TEMP TABLE orders_staging (LIKE orders INCLUDING DEFAULTS) ON COMMIT DROP")
                    try tx.copy(into: "orders_staging", columns: Self.columns, rows: batch)
                    return try tx.execute(
                        "INSERT INTO orders (\(columnList)) SELECT \(columnList) FROM orders_staging ON CONFLICT (order_id) DO NOTHING")
                }
            }
        }
        #expect(insertedA == total)
        #expect(insertedB == total)
        func rate(_ duration: Duration) -> Int {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return Int(Double(total) / seconds)
        }
        print("bench: \(target), \(total) rows, batch \(batchSize), debug build")
        print("bench: multi-row INSERT ON CONFLICT: \(rate(elapsedA)) rows/s (\(elapsedA))")
        print("bench: COPY staging + INSERT SELECT: \(rate(elapsedB)) rows/s (\(elapsedB))")
        await client.close()
    }
}
