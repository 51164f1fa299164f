import SharedCore
import CRdKafka
import SharedLogging
import Synchronization

/// Owns one librdkafka handle (`rd_kafka_t`) and its callback box.
///
/// librdkafka handles are thread-safe, so this class is `@unchecked Sendable`. The handle is
/// destroyed in `deinit`, i.e. only after every caller (which all hold a strong reference) is
/// done with it; `markClosed()` makes later calls throw `.closed` instead.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind: Sendable {
        case producer
        case consumer

        var raw: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    let kind: Kind
    let handle: OpaquePointer
    /// Background queries enter it; closing refuses new ones and waits for those in flight.
    let gate = KafkaCallGate()
    private let callbacks: Unmanaged<RDKafkaCallbacks>
    private let closed = Mutex(false)

    /// Builds a conf from `properties`, installs `callbacks` and creates the handle.
    /// With `logLevel` (and no `log_level` in `properties`), librdkafka formats only lines at
    /// that syslog level or more severe: the rest would be filtered out by our logger anyway.
    /// Wraps `rd_kafka_conf_new`, `rd_kafka_conf_set`, `rd_kafka_conf_set_opaque`, `rd_kafka_new`.
    init(
        kind: Kind, properties: [String: String], callbacks: RDKafkaCallbacks, logLevel: SyslogLevel? = nil
    ) throws(KafkaError) {
        self.kind = kind
        guard let conf = rd_kafka_conf_new() else {
            throw .invalidArgument(context: "rd_kafka_conf_new", reason: "out of memory")
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var properties = properties
        if let logLevel, properties["log_level"] == nil { properties["log_level"] = String(logLevel.rawValue) }
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw .configuration(key: key, value: value, reason: Self.string(errorBuffer))
            }
        }
        let box = Unmanaged.passRetained(callbacks)
        callbacks.install(on: conf, isConsumer: kind == .consumer)
        rd_kafka_conf_set_opaque(conf, box.toOpaque())
        // rd_kafka_new frees the conf only on success.
        guard let handle = rd_kafka_new(kind.raw, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            box.release()
            throw .configuration(key: "(rd_kafka_new)", value: "", reason: Self.string(errorBuffer))
        }
        self.handle = handle
        self.callbacks = box
        if kind == .consumer {
            rd_kafka_poll_set_consumer(handle)
        }
    }

    deinit {
        rd_kafka_destroy(handle)
        callbacks.release()
    }

    var isClosed: Bool { closed.withLock { $0 } }

    /// Makes later calls throw `.closed`. Returns false if it was already closed.
    @discardableResult
    func markClosed() -> Bool {
        closed.withLock { isClosed in
            defer { isClosed = true }
            return !isClosed
        }
    }

    func ensureOpen(_ context: String) throws(KafkaError) {
        if isClosed { throw .closed(context: context) }
    }

    /// Runs a background query as a call in flight (``KafkaCallGate``): throws `.closed` once
    /// the client is closing or closed.
    func query<T>(_ context: String, _ body: () throws(KafkaError) -> T) throws(KafkaError) -> T {
        try ensureOpen(context)
        return try gate.run(context, body)
    }

    /// Serves queued callbacks for up to `timeoutMs`. Wraps `rd_kafka_poll`.
    @discardableResult
    func poll(timeoutMs: Int32) -> Int32 {
        rd_kafka_poll(handle, timeoutMs)
    }

    /// The client's name (`rdkafka#producer-1`). Wraps `rd_kafka_name`.
    var name: String { String(cString: rd_kafka_name(handle)) }

    /// Converts an owned `rd_kafka_error_t` into a `KafkaError` and destroys it.
    static func consume(error: OpaquePointer, context: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let code = KafkaErrorCode(rd_kafka_error_code(error))
        let message = rd_kafka_error_string(error).map { String(cString: $0) } ?? code.message
        return .rdkafka(
            code: code, message: message, context: context,
            isRetriable: rd_kafka_error_is_retriable(error) != 0 || code.isTransient,
            isFatal: rd_kafka_error_is_fatal(error) != 0)
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: max(0, duration.wholeMilliseconds))
    }

    /// Message ids travel in the per-message opaque pointer itself (id + 1, so id 0 is not NULL).
    static func opaque(forMessageID id: UInt64) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: id &+ 1))
    }

    static func messageID(from opaque: UnsafeMutableRawPointer?) -> UInt64 {
        UInt64(UInt(bitPattern: opaque)) &- 1
    }
}
