import CLibPQ

/// Owns one `PGresult*`; `PQclear` in `deinit`, on every path (errors included:
/// a failed query's result is a `PQResult` too and is freed the same way).
final class PQResult {
    /// Mirrors libpq's `ExecStatusType`.
    enum Status: Equatable, CustomStringConvertible {
        case emptyQuery, commandOK, tuplesOK, copyOut, copyIn, badResponse
        case nonfatalError, fatalError, copyBoth, singleTuple, pipelineSync, pipelineAborted
        case unknown(UInt32)

        init(_ raw: ExecStatusType) {
            switch raw {
            case PGRES_EMPTY_QUERY: self = .emptyQuery
            case PGRES_COMMAND_OK: self = .commandOK
            case PGRES_TUPLES_OK: self = .tuplesOK
            case PGRES_COPY_OUT: self = .copyOut
            case PGRES_COPY_IN: self = .copyIn
            case PGRES_BAD_RESPONSE: self = .badResponse
            case PGRES_NONFATAL_ERROR: self = .nonfatalError
            case PGRES_FATAL_ERROR: self = .fatalError
            case PGRES_COPY_BOTH: self = .copyBoth
            case PGRES_SINGLE_TUPLE: self = .singleTuple
            case PGRES_PIPELINE_SYNC: self = .pipelineSync
            case PGRES_PIPELINE_ABORTED: self = .pipelineAborted
            default: self = .unknown(raw.rawValue)
            }
        }

        var description: String {
            switch self {
            case .emptyQuery: "PGRES_EMPTY_QUERY"
            case .commandOK: "PGRES_COMMAND_OK"
            case .tuplesOK: "PGRES_TUPLES_OK"
            case .copyOut: "PGRES_COPY_OUT"
            case .copyIn: "PGRES_COPY_IN"
            case .badResponse: "PGRES_BAD_RESPONSE"
            case .nonfatalError: "PGRES_NONFATAL_ERROR"
            case .fatalError: "PGRES_FATAL_ERROR"
            case .copyBoth: "PGRES_COPY_BOTH"
            case .singleTuple: "PGRES_SINGLE_TUPLE"
            case .pipelineSync: "PGRES_PIPELINE_SYNC"
            case .pipelineAborted: "PGRES_PIPELINE_ABORTED"
            case .unknown(let raw): "ExecStatusType(\(raw))"
            }
        }
    }

    /// Mirrors the `PG_DIAG_*` field codes of `PQresultErrorField` (postgres_ext.h defines
    /// them as character literals, which Swift does not import).
    enum DiagnosticField: Character {
        case severity = "V"      // PG_DIAG_SEVERITY_NONLOCALIZED
        case sqlstate = "C"      // PG_DIAG_SQLSTATE
        case primary = "M"       // PG_DIAG_MESSAGE_PRIMARY
        case detail = "D"        // PG_DIAG_MESSAGE_DETAIL
        case hint = "H"          // PG_DIAG_MESSAGE_HINT

        var code: Int32 { Int32(rawValue.asciiValue!) }
    }

    private let handle: OpaquePointer

    /// Takes ownership of `handle`.
    init(taking handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    /// Wraps `PQresultStatus`.
    var status: Status { Status(PQresultStatus(handle)) }

    /// Wraps `PQntuples`.
    var rowCount: Int { Int(PQntuples(handle)) }

    /// Wraps `PQnfields`.
    var columnCount: Int { Int(PQnfields(handle)) }

    /// Wraps `PQfname`.
    func columnName(_ column: Int) -> String {
        guard let name = PQfname(handle, Int32(column)) else { return "?column?" }
        return String(cString: name)
    }

    /// Wraps `PQgetisnull`.
    func isNull(row: Int, column: Int) -> Bool {
        PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// Wraps `PQgetvalue` + `PQgetlength` (text format); nil for SQL NULL.
    func value(row: Int, column: Int) -> String? {
        if isNull(row: row, column: column) { return nil }
        guard let bytes = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    /// Every column name, in order.
    func columnNames() -> [String] {
        (0..<columnCount).map(columnName)
    }

    /// Every row as text values (nil = SQL NULL).
    func rows() -> [[String?]] {
        let columns = columnCount
        return (0..<rowCount).map { row in
            (0..<columns).map { column in value(row: row, column: column) }
        }
    }

    /// Wraps `PQcmdTuples`: rows affected by INSERT/UPDATE/DELETE/MERGE/SELECT/COPY..., 0 when
    /// the command reports none.
    var affectedRows: Int {
        guard let text = PQcmdTuples(handle) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    /// Wraps `PQcmdStatus` (the command tag, e.g. `INSERT 0 3`, `ROLLBACK`).
    var commandStatus: String {
        guard let text = PQcmdStatus(handle) else { return "" }
        return String(cString: text)
    }

    /// Wraps `PQresultErrorField(PG_DIAG_SQLSTATE)`: the five-character SQLSTATE, nil when
    /// the error was produced by libpq itself (e.g. a lost connection).
    var sqlstate: String? { errorField(.sqlstate) }

    /// Wraps `PQresultErrorField(PG_DIAG_MESSAGE_PRIMARY)`.
    var primaryMessage: String? { errorField(.primary) }

    /// Wraps `PQresultErrorField(PG_DIAG_MESSAGE_DETAIL)`.
    var detail: String? { errorField(.detail) }

    /// Wraps `PQresultErrorMessage` (whole text, trailing newline removed).
    var errorMessage: String {
        guard let text = PQresultErrorMessage(handle) else { return "" }
        return String(cString: text).trimmingTrailingNewlines()
    }

    /// Wraps `PQresultErrorField`.
    func errorField(_ field: DiagnosticField) -> String? {
        guard let text = PQresultErrorField(handle, field.code) else { return nil }
        return String(cString: text)
    }
}

extension String {
    /// The string without trailing `\n` (libpq messages end with one).
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while text.last == "\n" { text = text.dropLast() }
        return String(text)
    }
}
