import SharedPostgres

/// Writes batches of valid orders into `orders`: one transaction per batch,
/// `ON CONFLICT (order_id) DO NOTHING`, so a redelivered order is counted as a duplicate and
/// never written twice. `processed_at` is the column default (`now()`: the transaction time).
///
/// Two write paths (`Method`), picked by measurement (see the benchmark in
/// `OrderStoreTests`): `.copyMerge` (COPY into a session temp table, then one
/// `INSERT … SELECT … ON CONFLICT DO NOTHING`) is the default; `.multiRowInsert`
/// (parameterized multi-row `INSERT … VALUES` in chunks) needs no temp table.

final class OrderStore: Sendable {
    /// How a batch reaches the table.
    enum Method: String, Sendable, CaseIterable {
        /// `COPY kafkatrace_orders_staging FROM STDIN`, then `INSERT INTO orders SELECT … ON CONFLICT DO NOTHING`.
        case copyMerge = "copy"
        /// `INSERT INTO orders VALUES ($1…$9), (…) … ON CONFLICT DO NOTHING`, `chunkSize` rows per statement.
        case multiRowInsert = "insert"
    }

    /// What one committed batch did.
    struct Outcome: Sendable, Equatable {
        /// Rows really inserted.
        var inserted: Int
        /// Orders of the batch already in the table (batch − inserted).
        var duplicates: Int
    }

    /// Target columns, in `OrderRecord.columnValues` order.
    static let columns = [
        "order_id", "customer_id", "items", "total_amount", "status", "created_at",
        "kafka_topic", "kafka_partition", "kafka_offset",
    ]
    static let stagingTable = "kafkatrace_orders_staging"

    let client: PostgresClient
    let method: Method
    /// Rows per multi-row INSERT statement (9 parameters each; at most 7281).
    let chunkSize: Int

    init(client: PostgresClient, method: Method = .copyMerge, chunkSize: Int = 1000) {
        self.client = client
        self.method = method
        self.chunkSize = min(max(1, chunkSize), PostgresSessionLimits.maxParameters / Self.columns.count)
    }

    /// Inserts `records` in one transaction and returns how many were new.
    /// Throws the `PostgresError` of the failed statement (the transaction is rolled back).
    func insert(_ records: [OrderRecord]) async throws(PostgresError) -> Outcome {
        guard !records.isEmpty else { return Outcome(inserted: 0, duplicates: 0) }
        let method = self.method
        let chunkSize = self.chunkSize
        let inserted: Int
        do {
            inserted = try await client.transaction { tx in
                switch method {
                case .copyMerge: try Self.copyMerge(records, tx)
                case .multiRowInsert: try Self.multiRowInsert(records, chunkSize: chunkSize, tx)
                }
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw .invalidArgument("unexpected error from the batch transaction: \(error)")
        }
        return Outcome(inserted: inserted, duplicates: records.count - inserted)
    }

    private static func copyMerge(_ records: [OrderRecord], _ tx: PostgresTransaction) throws(PostgresError) -> Int {
        // Temp tables live per session: create it when this connection has none (a reconnect
        // starts a new session). ON COMMIT DELETE ROWS empties it at every commit.
        try tx.execute(
            """
            SET LOCAL client_min_messages = warning;
            CREATE TEMP TABLE IF NOT EXISTS \(stagingTable) (
                order_id text, customer_id text, items jsonb, total_amount numeric(10,2), status text,
                created_at timestamptz, kafka_topic text, kafka_partition int, kafka_offset bigint
            ) ON COMMIT DELETE ROWS
            """)
        try tx.copy(into: stagingTable, columns: columns, rows: records.map(\.columnValues))
        let list = columns.joined(separator: ", ")
        return try tx.execute(
            "INSERT INTO orders (\(list)) SELECT \(list) FROM \(stagingTable) ON CONFLICT (order_id) DO NOTHING")
    }

    private static func multiRowInsert(
        _ records: [OrderRecord], chunkSize: Int, _ tx: PostgresTransaction
    ) throws(PostgresError) -> Int {
        let list = columns.joined(separator: ", ")
        var inserted = 0
        var start = 0
        while start < records.count {
            let chunk = records[start..<min(start + chunkSize, records.count)]
            var sql = "INSERT INTO orders (\(list)) VALUES "
            var params: [String?] = []
            params.reserveCapacity(chunk.count * columns.count)
            for (row, record) in chunk.enumerated() {
                let base = row * columns.count
                if row > 0 { sql += "," }
                sql += "($\(base + 1),$\(base + 2),$\(base + 3)::jsonb,$\(base + 4)::numeric,$\(base + 5),"
                    + "$\(base + 6)::timestamptz,$\(base + 7),$\(base + 8)::int,$\(base + 9)::bigint)"
                params += record.columnValues
            }
            sql += " ON CONFLICT (order_id) DO NOTHING"
            inserted += try tx.execute(sql, params)
            start += chunk.count
        }
        return inserted
    }
}

/// PostgreSQL protocol limits the store plans around.
enum PostgresSessionLimits {
    /// Bind parameters per statement (the protocol's Int16 count).
    static let maxParameters = 65_535
}
