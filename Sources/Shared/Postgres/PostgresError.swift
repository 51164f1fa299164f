/// Everything that can go wrong talking to PostgreSQL.
///
/// Cases carry the SQLSTATE when the server sent one, and `statement`: the first words of
/// the SQL (never parameter values, which may hold personal data).
public enum PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `postgres.url` is not a libpq URI or keyword string, or a value in it is not allowed.
    case invalidConnectionString(message: String)
    /// Connecting (or reconnecting) failed; `target` is the redacted connection string.
    case connectionFailed(target: String, message: String)
    /// The connection broke while `statement` ran; it is reopened on the next call.
    /// Whether the statement took effect is unknown.
    case connectionLost(statement: String, sqlstate: String?, message: String)
    /// The server rejected `statement`.
    case queryFailed(statement: String, sqlstate: String?, message: String, detail: String?)
    /// `COPY ... FROM STDIN` into `table` failed (server error or I/O error).
    case copyFailed(table: String, sqlstate: String?, message: String)
    /// The server answered `statement` with a result kind this client does not handle.
    case unexpectedResult(statement: String, status: String)
    /// The caller passed something libpq or the protocol cannot carry.
    case invalidArgument(String)
    /// The client was closed with `close()`.
    case closed
    /// Migration `version` failed and was rolled back.
    indirect case migrationFailed(version: Int, name: String, cause: PostgresError)

    /// The SQLSTATE the server reported, if any (`migrationFailed` reports its cause's).
    public var sqlstate: String? {
        switch self {
        case .connectionLost(_, let state, _), .queryFailed(_, let state, _, _), .copyFailed(_, let state, _):
            state
        case .migrationFailed(_, _, let cause):
            cause.sqlstate
        default:
            nil
        }
    }

    /// The bounded label for `kafkatrace_consumer_db_errors_total{sqlstate_class}`: the
    /// SQLSTATE's two-character class (`23`, `40`, `42`, ...), `08` (connection exception)
    /// for connection failures libpq reported without one, `none` for client-side errors.
    public var sqlstateClass: String {
        if let state = sqlstate, state.utf8.count == 5 { return String(state.prefix(2)) }
        switch self {
        case .connectionFailed, .connectionLost: return "08"
        case .migrationFailed(_, _, let cause): return cause.sqlstateClass
        default: return "none"
        }
    }

    /// True when retrying later can succeed without changing anything: lost or refused
    /// connections, SQLSTATE class 08 (connection exception), 53 (insufficient resources),
    /// 57P01–57P03 (admin/crash shutdown, cannot connect now), 40001 (serialization failure)
    /// and 40P01 (deadlock).
    public var isTransient: Bool {
        switch self {
        case .connectionFailed, .connectionLost:
            return true
        case .migrationFailed(_, _, let cause):
            return cause.isTransient
        case .queryFailed, .copyFailed:
            guard let state = sqlstate else { return false }
            return PostgresError.isTransient(sqlstate: state)
        case .invalidConnectionString, .unexpectedResult, .invalidArgument, .closed:
            return false
        }
    }

    /// SQLSTATE classification behind `isTransient`.
    public static func isTransient(sqlstate: String) -> Bool {
        if sqlstate.hasPrefix("08") || sqlstate.hasPrefix("53") { return true }
        return ["57P01", "57P02", "57P03", "40001", "40P01"].contains(sqlstate)
    }

    public var description: String {
        switch self {
        case .invalidConnectionString(let message):
            return "invalid postgres.url: \(message) (expected a libpq URI postgresql://user@host:port/db or key=value pairs)"
        case .connectionFailed(let target, let message):
            return "cannot connect to PostgreSQL at \(target): \(message)"
        case .connectionLost(let statement, let state, let message):
            return "PostgreSQL connection lost during \(statement)\(PostgresError.format(state)): \(message); reconnecting on next use"
        case .queryFailed(let statement, let state, let message, let detail):
            let more = detail.map { " (\($0))" } ?? ""
            return "PostgreSQL rejected \(statement)\(PostgresError.format(state)): \(message)\(more)"
        case .copyFailed(let table, let state, let message):
            return "COPY into \(table) failed\(PostgresError.format(state)): \(message)"
        case .unexpectedResult(let statement, let status):
            return "unexpected result \(status) for \(statement); use query/execute for single statements and copy() for COPY"
        case .invalidArgument(let message):
            return "invalid PostgreSQL call: \(message)"
        case .closed:
            return "PostgreSQL client is closed; create a new PostgresClient"
        case .migrationFailed(let version, let name, let cause):
            return "migration \(version) (\(name)) failed and was rolled back: \(cause)"
        }
    }

    private static func format(_ sqlstate: String?) -> String {
        sqlstate.map { " [SQLSTATE \($0)]" } ?? ""
    }

    /// The first words of `sql` (at most 4 words / 48 characters, whitespace collapsed),
    /// quoted, to say which statement failed without logging whole statements or values.
    static func summarize(_ sql: String) -> String {
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        var text = words.prefix(4).joined(separator: " ")
        if text.count > 48 { text = String(text.prefix(48)) }
        if words.count > 4 || text.count == 48 { text += " …" }
        return "'\(text)'"
    }
}
