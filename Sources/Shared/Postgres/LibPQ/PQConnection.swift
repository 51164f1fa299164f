import CLibPQ
import Logging

/// Owns one libpq connection (`PGconn*`); `PQfinish` in `deinit`.
///
/// Not thread-safe (neither is a `PGconn`): `PostgresClient` confines each instance
/// to its own serial queue. Every call here may block on the network.
final class PQConnection {
    /// Mirrors libpq's `ConnStatusType` (only the states a blocking connection reports).
    enum Status: Equatable {
        case ok, bad
        case other(UInt32)
    }

    /// Mirrors libpq's `PGTransactionStatusType`.
    enum TransactionStatus: Equatable {
        case idle, active, inTransaction, inError, unknown
    }

    private let handle: OpaquePointer

    /// Wraps `PQconnectdbParams` (expand_dbname = 0): connects with the given keyword/value
    /// pairs. libpq hands back a `PGconn*` even when connecting fails; that one is freed
    /// with `PQfinish` before throwing.
    init(parameters: [(keyword: String, value: String)], target: String) throws(PostgresError) {
        let keywords = PQCStringArray(parameters.map(\.keyword) + [nil])
        let values = PQCStringArray(parameters.map(\.value) + [nil])
        let connection = keywords.withPointers { keys in
            values.withPointers { vals in PQconnectdbParams(keys, vals, 0) }
        }
        guard let connection else {
            throw .connectionFailed(target: target, message: "PQconnectdbParams returned NULL (out of memory)")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = PQConnection.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw .connectionFailed(target: target, message: message)
        }
        PQsetNoticeProcessor(connection, PQConnection.noticeProcessor, nil)
        handle = connection
    }

    /// Server notices (`NOTICE: relation ... already exists, skipping`) go to the log as
    /// structured lines instead of libpq's default raw write to stderr: WARNING and above at
    /// warning level, the rest at debug. Wraps `PQsetNoticeProcessor`.
    private static let noticeProcessor: PQnoticeProcessor = { _, message in
        guard let message else { return }
        var text = String(cString: message)
        while text.last?.isWhitespace == true { text.removeLast() }
        let isWarning = !(text.hasPrefix("NOTICE:") || text.hasPrefix("INFO:") || text.hasPrefix("DEBUG")
            || text.hasPrefix("LOG:"))
        let logger = Logger(label: "kafkatrace.postgres")
        if isWarning {
            logger.warning("PostgreSQL server message", metadata: ["pg_message": "\(text)"])
        } else {
            logger.debug("PostgreSQL server message", metadata: ["pg_message": "\(text)"])
        }
    }

    deinit {
        PQfinish(handle)
    }

    /// Wraps `PQstatus`.
    var status: Status {
        let raw = PQstatus(handle)
        switch raw {
        case CONNECTION_OK: return .ok
        case CONNECTION_BAD: return .bad
        default: return .other(raw.rawValue)
        }
    }

    /// Wraps `PQtransactionStatus`.
    var transactionStatus: TransactionStatus {
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: .idle
        case PQTRANS_ACTIVE: .active
        case PQTRANS_INTRANS: .inTransaction
        case PQTRANS_INERROR: .inError
        default: .unknown
        }
    }

    /// Wraps `PQerrorMessage` (trailing newline removed).
    var errorMessage: String { PQConnection.message(PQerrorMessage(handle)) }

    /// Wraps `PQbackendPID`.
    var backendPID: Int { Int(PQbackendPID(handle)) }

    /// Wraps `PQreset`: closes and reopens the connection with the same parameters.
    /// Check `status` afterwards.
    func reset() {
        PQreset(handle)
    }

    /// Wraps `PQconsumeInput`. libpq keeps its socket non-blocking, so this never waits:
    /// on an idle connection it picks up what the server sent meanwhile, e.g. the
    /// `57P01` notice and EOF of a server shutdown, and then `status` turns `.bad`.
    /// Returns false when reading failed.
    func consumeInput() -> Bool {
        PQconsumeInput(handle) == 1
    }

    /// Wraps `PQexec` (simple query protocol: several `;`-separated statements allowed).
    /// nil when libpq could not even build a result (see `errorMessage`).
    func exec(_ sql: String) -> PQResult? {
        let raw = sql.withCString { PQexec(handle, $0) }
        return raw.map { PQResult(taking: $0) }
    }

    /// Wraps `PQexecParams` with text parameters (nil = SQL NULL), server-inferred types and
    /// text results. One statement only.
    func execParams(_ sql: String, _ params: [String?]) -> PQResult? {
        let values = PQCStringArray(params)
        let raw = sql.withCString { command in
            values.withPointers { pointers in
                PQexecParams(handle, command, Int32(values.count), nil, pointers, nil, nil, 0)
            }
        }
        return raw.map { PQResult(taking: $0) }
    }

    /// Sends `bytes` as COPY data, `chunkBytes` per `PQputCopyData` call; false at the first
    /// call that failed (see `errorMessage`). Wraps `PQputCopyData`.
    func putCopyData(_ bytes: [UInt8], chunkBytes: Int) -> Bool {
        bytes.withUnsafeBytes { buffer in
            let chunk = max(1, chunkBytes)
            var offset = 0
            while offset < buffer.count {
                let count = min(chunk, buffer.count - offset)
                let start = buffer.baseAddress.map { ($0 + offset).assumingMemoryBound(to: CChar.self) }
                guard PQputCopyData(handle, start, Int32(count)) == 1 else { return false }
                offset += count
            }
            return true
        }
    }

    /// Wraps `PQputCopyEnd`; a non-nil `abortMessage` makes the server fail the COPY with it.
    /// 1 = sent, -1 = error.
    func putCopyEnd(abortMessage: String? = nil) -> Int32 {
        guard let abortMessage else { return PQputCopyEnd(handle, nil) }
        return abortMessage.withCString { PQputCopyEnd(handle, $0) }
    }

    /// Wraps `PQgetResult`: the next result of the running command, nil when it is done.
    func getResult() -> PQResult? {
        PQgetResult(handle).map { PQResult(taking: $0) }
    }

    private static func message(_ text: UnsafeMutablePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).trimmingTrailingNewlines()
    }
}
