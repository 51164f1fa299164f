import Dispatch

/// A PostgreSQL client over one libpq connection.
///
/// Every libpq call runs on the client's own serial `DispatchQueue`, never on the Swift
/// cooperative pool; callers `await` the result. Calls from several tasks queue up and run
/// one after another (the consumer writes batches from one pipeline, so one connection is
/// enough; make several clients for parallel writers).
///
/// The connection opens on first use. When it breaks (server restart, network), the call
/// that noticed fails with a transient error and the next call reconnects; a connection the
/// server closed while idle is noticed and reopened before the next statement is sent.
public final class PostgresClient: Sendable {
    /// Where the client connects (the password is only in there, never in messages).
    public let options: PostgresConnectionOptions
    private let queue: DispatchQueue
    private let session: PostgresSession

    /// A client for `options`; does not connect yet.
    public init(options: PostgresConnectionOptions, label: String = "postgres") {
        self.options = options
        self.queue = DispatchQueue(label: "kafkatrace.postgres.\(label)")
        self.session = PostgresSession(options: options, queue: queue)
    }

    /// A client for `postgres.url` + `postgres.sslmode`; does not connect yet.
    /// Throws `.invalidConnectionString` when the URL cannot be parsed.
    public convenience init(url: String, sslmode: PostgresSSLMode? = nil, label: String = "postgres") throws(PostgresError) {
        self.init(options: try PostgresConnectionOptions(url: url, sslmode: sslmode), label: label)
    }

    deinit {
        queue.async { [session] in session.close() }
    }

    /// Last known state, for `kafkatrace_postgres_connections{state}` (idle/busy).
    public var connectionState: PostgresConnectionState { session.state }

    /// True while connected (last known state; see `ping()` to check for real).
    var isConnected: Bool { session.state.isConnected }

    /// Connects now instead of on first use (or checks the existing connection).
    public func connect() async throws(PostgresError) {
        try await perform { session throws(PostgresError) in
            try session.withConnection { _ throws(PostgresError) in }
        }
    }

    /// Health check: `SELECT 1` (connects or reconnects when needed).
    public func ping() async throws(PostgresError) {
        _ = try await query("SELECT 1")
    }

    /// Runs one statement with text parameters (`$1`, `$2`, ...; nil = NULL) and returns its
    /// rows as text. Wraps `PQexecParams` (`PQexec` when `params` is empty; then several
    /// `;`-separated statements are allowed and the last one's rows are returned).
    public func query(_ sql: String, _ params: [String?] = []) async throws(PostgresError) -> PostgresRows {
        try await perform { session throws(PostgresError) in
            try session.withConnection { connection throws(PostgresError) in
                try session.run(connection, sql, params)
            }
        }
    }

    /// Runs one statement and returns the affected-row count (`PQcmdTuples`); for
    /// `INSERT ... ON CONFLICT DO NOTHING` that is the rows really inserted.
    @discardableResult
    public func execute(_ sql: String, _ params: [String?] = []) async throws(PostgresError) -> Int {
        try await query(sql, params).affectedRows
    }

    /// `COPY table (columns) FROM STDIN` outside an explicit transaction (COPY is atomic
    /// by itself). See `PostgresTransaction.copy(into:columns:rows:)`.
    @discardableResult
    public func copy(into table: String, columns: [String], rows: [[String?]]) async throws(PostgresError) -> Int {
        try await copy(into: table, columns: columns, data: PostgresCopyRows(columnCount: columns.count, rows: rows))
    }

    /// `COPY table (columns) FROM STDIN` with rows encoded beforehand, as one statement in its
    /// own transaction (all rows or none).
    @discardableResult
    public func copy(into table: String, columns: [String], data: PostgresCopyRows) async throws(PostgresError) -> Int {
        try await perform { session throws(PostgresError) in
            try session.withConnection { connection throws(PostgresError) in
                try session.copy(connection, table: table, columns: columns, data: data)
            }
        }
    }

    /// Runs `body` inside BEGIN ... COMMIT on the connection queue and returns its value.
    ///
    /// When `body` throws, the transaction is rolled back and its error rethrown; when a
    /// statement inside failed but `body` caught the error, the transaction is rolled back
    /// and `PostgresError.queryFailed` with SQLSTATE 25P02 is thrown. BEGIN/COMMIT failures
    /// throw `PostgresError`. `body` is synchronous on purpose: nothing else can run on the
    /// connection while the transaction is open, so keep it short.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresTransaction) throws -> T) async throws -> T {
        let session = self.session
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { try session.transaction(body) })
            }
        }
        return try result.get()
    }

    /// Closes the connection (`PQfinish`); later calls throw `.closed`.
    public func close() async {
        let session = self.session
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                session.close()
                continuation.resume()
            }
        }
    }

    /// Runs `body` with the connection to itself (no BEGIN), for multi-statement sequences
    /// that manage their own transactions and session locks (the migrator).
    func withSession<T: Sendable>(
        _ body: @escaping @Sendable (PostgresTransaction) throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        try await perform { session throws(PostgresError) in
            try session.withConnection { connection throws(PostgresError) in
                let handle = PostgresTransaction(session: session, connection: connection)
                defer { handle.end() }
                return try body(handle)
            }
        }
    }

    private func perform<T: Sendable>(
        _ work: @escaping @Sendable (PostgresSession) throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        let session = self.session
        let result: Result<T, PostgresError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(PostgresError) -> T in try work(session) })
            }
        }
        return try result.get()
    }
}
