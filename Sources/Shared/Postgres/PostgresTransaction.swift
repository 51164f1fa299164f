/// The statements of one `PostgresClient.transaction { tx in ... }`, run synchronously on
/// the client's connection queue. Valid only inside its closure; afterwards every call
/// throws `.invalidArgument`.
public final class PostgresTransaction {
    private let session: PostgresSession
    private let connection: PQConnection
    private var isOpen = true

    init(session: PostgresSession, connection: PQConnection) {
        self.session = session
        self.connection = connection
    }

    func end() { isOpen = false }

    /// Runs one statement with text parameters (nil = NULL) and returns its rows.
    /// Wraps `PQexecParams` (`PQexec` when `params` is empty).
    public func query(_ sql: String, _ params: [String?] = []) throws(PostgresError) -> PostgresRows {
        try checkOpen()
        return try session.run(connection, sql, params)
    }

    /// Runs one statement and returns the affected-row count (`PQcmdTuples`), e.g. the rows an
    /// `INSERT ... ON CONFLICT DO NOTHING` really inserted.
    @discardableResult
    public func execute(_ sql: String, _ params: [String?] = []) throws(PostgresError) -> Int {
        try checkOpen()
        return try session.run(connection, sql, params).affectedRows
    }

    /// `COPY table (columns) FROM STDIN` in text format with proper escaping (tabs, newlines,
    /// backslashes; nil = NULL). Wraps `PQputCopyData`/`PQputCopyEnd`/`PQgetResult`.
    /// Returns the rows copied. `table` may be `schema.table`; names are quoted (case sensitive).
    @discardableResult
    public func copy(into table: String, columns: [String], rows: [[String?]]) throws(PostgresError) -> Int {
        try copy(into: table, columns: columns, data: PostgresCopyRows(columnCount: columns.count, rows: rows))
    }

    /// `COPY table (columns) FROM STDIN` with rows encoded beforehand (`PostgresCopyRows`).
    /// Wraps `PQputCopyData`/`PQputCopyEnd`/`PQgetResult`. Returns the rows copied.
    @discardableResult
    public func copy(into table: String, columns: [String], data: PostgresCopyRows) throws(PostgresError) -> Int {
        try checkOpen()
        return try session.copy(connection, table: table, columns: columns, data: data)
    }

    private func checkOpen() throws(PostgresError) {
        guard isOpen else {
            throw .invalidArgument("a PostgresTransaction was used after its transaction closure returned")
        }
    }
}
