import SharedOrders
import SharedPostgres
import Synchronization

/// Writes batches of valid orders into `orders`, each batch all or nothing, idempotently: an
/// order already in the table (a redelivery) is counted as a duplicate and never written twice
/// (`order_id` is the primary key). `processed_at` is the column default (`now()`: the time of
/// the batch's transaction).
///
/// Three write paths (`Method`), picked by measurement (`scripts/bench` part 2, and the
/// benchmark in `OrderStoreTests`):
/// - `.optimisticCopy` (default): one `COPY orders FROM STDIN`, its own transaction, the
///   cheapest way into the table (PostgreSQL's bulk insert path, one statement). A batch with an
///   order already in the table makes the COPY fail as a whole (`23505`, nothing written), and the
///   batch is written again with `.copyMerge`; batches keep going through the merge until one has
///   no duplicate (a replay after a restart or a rebalance is usually longer than one batch).
///   Small batches (`singleStatementRows`, what a trickle of orders makes) go as one
///   `INSERT … ON CONFLICT DO NOTHING` statement instead: one round trip instead of two.
/// - `.copyMerge`: COPY into a session temp table, then one `INSERT … SELECT … ON CONFLICT
///   (order_id) DO NOTHING`, in one transaction.
/// - `.multiRowInsert`: parameterized multi-row `INSERT … VALUES … ON CONFLICT DO NOTHING`
///   in chunks; needs no temp table.
final class OrderStore: Sendable {
    /// How a batch reaches the table.
    enum Method: String, Sendable, CaseIterable {
        /// `COPY orders FROM STDIN`; on a duplicate, `.copyMerge` for this batch (and the next ones until one has none).
        case optimisticCopy = "optimistic-copy"
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

    /// Target columns, in `OrderRecord.columnValues` / `OrderRecord.appendCopyRow(to:)` order.
    static let columns = [
        "order_id", "customer_id", "items", "total_amount", "status", "created_at",
        "kafka_topic", "kafka_partition", "kafka_offset",
    ]
    static let table = "orders"
    static let stagingTable = "kafkatrace_orders_staging"
    /// `.optimisticCopy`: batches up to this many orders go as one `INSERT … ON CONFLICT DO
    /// NOTHING` statement, one round trip where COPY takes two (the latency of a trickle of
    /// orders); larger ones take the COPY.
    static let singleStatementRows = 64
    /// SQLSTATE unique_violation: the optimistic COPY met an order already in the table.
    static let uniqueViolation = "23505"

    let client: PostgresClient
    let method: Method
    /// Rows per multi-row INSERT statement (9 parameters each; at most 7281).
    let chunkSize: Int
    /// `.optimisticCopy`: the last batch had duplicates, so the next one goes through the merge.
    private let isReplaying = Mutex(false)

    init(client: PostgresClient, method: Method = .optimisticCopy, chunkSize: Int = 1000) {
        self.client = client
        self.method = method
        self.chunkSize = min(max(1, chunkSize), PostgresSessionLimits.maxParameters / Self.columns.count)
    }

    /// `.optimisticCopy`: whether the next batch goes through the merge (the last one had duplicates).
    var isReplayingDuplicates: Bool { isReplaying.withLock { $0 } }

    /// The COPY rows of `records` (`OrderStore.columns`); callers may build them ahead of `insert`.
    static func encode(_ records: [OrderRecord]) -> PostgresCopyRows {
        var rows = PostgresCopyRows(columnCount: columns.count, reservingCapacity: records.count * 480)
        var scratch = JSONByteWriter(capacity: 0)
        for record in records { record.appendCopyRow(to: &rows, scratch: &scratch) }
        return rows
    }

    /// Inserts `records` (all or none) and returns how many were new. `rows` are their COPY
    /// rows when the caller encoded them already (`encode(_:)`).
    /// Throws the `PostgresError` of the failed statement (the transaction is rolled back).
    func insert(_ records: [OrderRecord], rows: PostgresCopyRows? = nil) async throws(PostgresError) -> Outcome {
        guard !records.isEmpty else { return Outcome(inserted: 0, duplicates: 0) }
        switch method {
        case .optimisticCopy:
            if records.count <= Self.singleStatementRows {
                // One statement, one round trip, duplicates skipped in place.
                let (sql, params) = Self.insertStatement(records[...])
                let inserted = try await client.execute(sql, params)
                return Outcome(inserted: inserted, duplicates: records.count - inserted)
            }
            let rows = rows ?? Self.encode(records)
            if !isReplaying.withLock({ $0 }) {
                do throws(PostgresError) {
                    let copied = try await client.copy(into: Self.table, columns: Self.columns, data: rows)
                    return Outcome(inserted: copied, duplicates: records.count - copied)
                } catch {
                    // A duplicate: nothing of the batch was written; the merge below skips what is there.
                    guard error.sqlstate == Self.uniqueViolation else { throw error }
                }
            }
            let outcome = try await merge(rows, count: records.count)
            isReplaying.withLock { $0 = outcome.duplicates > 0 }
            return outcome
        case .copyMerge:
            return try await merge(rows ?? Self.encode(records), count: records.count)
        case .multiRowInsert:
            let chunkSize = self.chunkSize
            let inserted = try await transaction { tx throws(PostgresError) in
                try Self.multiRowInsert(records, chunkSize: chunkSize, tx)
            }
            return Outcome(inserted: inserted, duplicates: records.count - inserted)
        }
    }

    /// `.copyMerge` of already encoded rows.
    private func merge(_ rows: PostgresCopyRows, count: Int) async throws(PostgresError) -> Outcome {
        let inserted = try await transaction { tx throws(PostgresError) in try Self.copyMerge(rows, tx) }
        return Outcome(inserted: inserted, duplicates: count - inserted)
    }

    private func transaction(
        _ body: @escaping @Sendable (PostgresTransaction) throws(PostgresError) -> Int
    ) async throws(PostgresError) -> Int {
        do {
            return try await client.transaction { tx in try body(tx) }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw .invalidArgument("unexpected error from the batch transaction: \(error)")
        }
    }

    private static func copyMerge(_ rows: PostgresCopyRows, _ tx: PostgresTransaction) throws(PostgresError) -> Int {
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
        try tx.copy(into: stagingTable, columns: columns, data: rows)
        let list = columns.joined(separator: ", ")
        return try tx.execute(
            "INSERT INTO orders (\(list)) SELECT \(list) FROM \(stagingTable) ON CONFLICT (order_id) DO NOTHING")
    }

    private static func multiRowInsert(
        _ records: [OrderRecord], chunkSize: Int, _ tx: PostgresTransaction
    ) throws(PostgresError) -> Int {
        var inserted = 0
        var start = 0
        while start < records.count {
            let chunk = records[start..<min(start + chunkSize, records.count)]
            let (sql, params) = insertStatement(chunk)
            inserted += try tx.execute(sql, params)
            start += chunk.count
        }
        return inserted
    }

    /// `INSERT INTO orders (…) VALUES ($1…$9), (…) … ON CONFLICT (order_id) DO NOTHING` for `records`.
    private static func insertStatement(_ records: ArraySlice<OrderRecord>) -> (sql: String, params: [String?]) {
        var sql = "INSERT INTO orders (\(columns.joined(separator: ", "))) VALUES "
        var params: [String?] = []
        params.reserveCapacity(records.count * columns.count)
        for (row, record) in records.enumerated() {
            let base = row * columns.count
            if row > 0 { sql += "," }
            sql += "($\(base + 1),$\(base + 2),$\(base + 3)::jsonb,$\(base + 4)::numeric,$\(base + 5),"
                + "$\(base + 6)::timestamptz,$\(base + 7),$\(base + 8)::int,$\(base + 9)::bigint)"
            params += record.columnValues
        }
        sql += " ON CONFLICT (order_id) DO NOTHING"
        return (sql, params)
    }
}

/// PostgreSQL protocol limits the store plans around.
enum PostgresSessionLimits {
    /// Bind parameters per statement (the protocol's Int16 count).
    static let maxParameters = 65_535
}
