import Dispatch
import Synchronization

/// The connection behind one `PostgresClient`, with the statement, COPY and transaction
/// logic on top of `PQConnection`.
///
/// `@unchecked Sendable` because every member except `state` is touched only on `queue`
/// (checked with `dispatchPrecondition`); `state` is in a `Mutex` so gauges can read it
/// while a statement blocks the queue.
final class PostgresSession: @unchecked Sendable {
    /// COPY data is handed to libpq in chunks of about this many bytes.
    static let copyChunkBytes = 256 * 1024
    /// The protocol's limit on bind parameters per statement.
    static let maxParameters = 65_535

    let options: PostgresConnectionOptions
    private let queue: DispatchQueue
    private let stateBox = Mutex(PostgresConnectionState.disconnected)
    private var connection: PQConnection?
    private var isClosed = false

    init(options: PostgresConnectionOptions, queue: DispatchQueue) {
        self.options = options
        self.queue = queue
    }

    /// Last known connection state (any thread).
    public var state: PostgresConnectionState { stateBox.withLock { $0 } }

    private func setState(_ newState: PostgresConnectionState) {
        stateBox.withLock { $0 = newState }
    }

    // MARK: Connection lifecycle (on `queue`)

    /// A healthy connection, marked busy: reuses the current one, resets it (`PQreset`) when
    /// the server dropped it meanwhile, or connects when there is none.
    func acquire() throws(PostgresError) -> PQConnection {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { throw .closed }
        if let current = connection {
            // A server that went away while we were idle left its FATAL message and EOF on
            // the socket: the first read takes the message, the second sees EOF (status bad).
            if current.consumeInput() { _ = current.consumeInput() }
            if current.status != .ok { current.reset() }
            if current.status == .ok {
                setState(.busy)
                return current
            }
            let message = current.errorMessage
            connection = nil
            setState(.disconnected)
            throw .connectionFailed(target: options.target, message: message)
        }
        do {
            let fresh = try PQConnection(parameters: options.keywordValuePairs, target: options.target)
            connection = fresh
            setState(.busy)
            return fresh
        } catch {
            setState(.disconnected)
            throw error
        }
    }

    /// Ends a use started with `acquire`: idle when the connection is still good.
    func release(_ used: PQConnection) {
        dispatchPrecondition(condition: .onQueue(queue))
        if isClosed { return }
        if used.status == .ok, connection === used {
            setState(.idle)
        } else {
            if connection === used { connection = nil }
            setState(.disconnected)
        }
    }

    /// Runs `body` with an acquired connection and releases it afterwards.
    func withConnection<T>(_ body: (PQConnection) throws(PostgresError) -> T) throws(PostgresError) -> T {
        let used = try acquire()
        defer { release(used) }
        return try body(used)
    }

    /// Drops the connection (`PQfinish`) and refuses further use.
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        isClosed = true
        connection = nil
        setState(.closed)
    }

    /// Drops a connection left in a state we cannot recover (e.g. COPY OUT); the next call reconnects.
    private func discard(_ used: PQConnection) {
        if connection === used { connection = nil }
    }

    // MARK: Statements

    /// Runs one statement: `PQexec` without parameters (several `;`-separated statements
    /// allowed), `PQexecParams` with them.
    func run(_ used: PQConnection, _ sql: String, _ params: [String?]) throws(PostgresError) -> PostgresRows {
        let statement = PostgresError.summarize(sql)
        try Self.validate(params, statement: statement)
        guard let result = params.isEmpty ? used.exec(sql) : used.execParams(sql, params) else {
            throw failure(used, statement: statement, result: nil)
        }
        switch result.status {
        case .commandOK, .tuplesOK:
            return PostgresRows(columns: result.columnNames(), rows: result.rows(), affectedRows: result.affectedRows)
        case .emptyQuery:
            return PostgresRows(columns: [], rows: [], affectedRows: 0)
        case .copyIn:
            _ = used.putCopyEnd(abortMessage: "COPY FROM STDIN is only supported through copy(into:columns:rows:)")
            while used.getResult() != nil {}
            throw .unexpectedResult(statement: statement, status: result.status.description)
        case .copyOut, .copyBoth, .singleTuple, .pipelineSync, .pipelineAborted, .unknown:
            discard(used)
            throw .unexpectedResult(statement: statement, status: result.status.description)
        case .badResponse, .nonfatalError, .fatalError:
            throw failure(used, statement: statement, result: result)
        }
    }

    /// `COPY table (columns) FROM STDIN` in text format with already encoded rows; returns the
    /// rows copied. The data goes to libpq in chunks of about `copyChunkBytes`.
    func copy(_ used: PQConnection, table: String, columns: [String], data: PostgresCopyRows) throws(PostgresError) -> Int {
        try Self.validateCopy(table: table, columns: columns, data: data)
        let sql = PostgresCopyEncoder.statement(table: table, columns: columns)
        guard let start = used.exec(sql) else {
            throw copyFailure(used, table: table, result: nil)
        }
        guard start.status == .copyIn else {
            throw copyFailure(used, table: table, result: start)
        }
        guard used.putCopyData(data.bytes, chunkBytes: Self.copyChunkBytes), used.putCopyEnd() == 1 else {
            throw copyIOFailure(used, table: table)
        }
        var copied = 0
        var firstError: PostgresError?
        while let result = used.getResult() {
            if result.status == .commandOK {
                copied = result.affectedRows
            } else if firstError == nil {
                firstError = copyFailure(used, table: table, result: result)
            }
        }
        if let firstError { throw firstError }
        return copied
    }

    /// Runs `body` between BEGIN and COMMIT; ROLLBACK when it throws (its error is rethrown)
    /// or when it swallowed a failed statement (then `25P02`).
    func transaction<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        let used = try acquire()
        defer { release(used) }
        _ = try run(used, "BEGIN", [])
        let transaction = PostgresTransaction(session: self, connection: used)
        let value: T
        do {
            value = try body(transaction)
        } catch {
            transaction.end()
            rollback(used)
            throw error
        }
        transaction.end()
        if used.transactionStatus == .inError {
            rollback(used)
            throw PostgresError.queryFailed(
                statement: "'COMMIT'", sqlstate: "25P02",
                message: "a statement in the transaction failed and its error was caught inside the closure; rolled back",
                detail: nil)
        }
        _ = try run(used, "COMMIT", [])
        return value
    }

    /// Best-effort ROLLBACK when a transaction is open and the connection still works.
    func rollback(_ used: PQConnection) {
        guard used.status == .ok, used.transactionStatus != .idle else { return }
        _ = try? run(used, "ROLLBACK", [])
    }

    // MARK: Errors and validation

    private func failure(_ used: PQConnection, statement: String, result: PQResult?) -> PostgresError {
        let message = result.flatMap { $0.primaryMessage ?? nonEmpty($0.errorMessage) } ?? used.errorMessage
        let sqlstate = result?.sqlstate
        if used.status != .ok {
            return .connectionLost(statement: statement, sqlstate: sqlstate, message: message)
        }
        return .queryFailed(statement: statement, sqlstate: sqlstate, message: message, detail: result?.detail)
    }

    private func copyFailure(_ used: PQConnection, table: String, result: PQResult?) -> PostgresError {
        let message = result.flatMap { $0.primaryMessage ?? nonEmpty($0.errorMessage) } ?? used.errorMessage
        let sqlstate = result?.sqlstate
        if used.status != .ok {
            return .connectionLost(statement: "'COPY \(table)'", sqlstate: sqlstate, message: message)
        }
        if let result, result.status != .fatalError, result.status != .nonfatalError, result.status != .badResponse {
            discard(used)
            return .unexpectedResult(statement: "'COPY \(table)'", status: result.status.description)
        }
        return .copyFailed(table: table, sqlstate: sqlstate, message: message)
    }

    private func copyIOFailure(_ used: PQConnection, table: String) -> PostgresError {
        let message = used.errorMessage
        discard(used)
        return .connectionLost(statement: "'COPY \(table)'", sqlstate: nil, message: message)
    }

    private func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    private static func validate(_ params: [String?], statement: String) throws(PostgresError) {
        if params.count > maxParameters {
            throw .invalidArgument("\(statement) has \(params.count) parameters; PostgreSQL allows at most \(maxParameters)")
        }
        for (index, value) in params.enumerated() where value?.utf8.contains(0) == true {
            throw .invalidArgument("parameter $\(index + 1) of \(statement) contains a NUL byte; PostgreSQL text cannot hold NUL")
        }
    }

    private static func validateCopy(table: String, columns: [String], data: PostgresCopyRows) throws(PostgresError) {
        if table.isEmpty || columns.isEmpty {
            throw .invalidArgument("COPY needs a table name and at least one column (table '\(table)', \(columns.count) columns)")
        }
        if data.columnCount != columns.count {
            throw .invalidArgument(
                "COPY into \(table): rows of \(data.columnCount) values for \(columns.count) columns (\(columns.joined(separator: ", ")))")
        }
        if let problem = data.problem {
            throw .invalidArgument("COPY into \(table): \(problem)")
        }
    }
}
