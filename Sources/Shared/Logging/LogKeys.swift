/// Metadata keys every component uses, so log queries find the same field everywhere.
public enum LogKeys {
    public static let orderID = "order_id"
    public static let customerID = "customer_id"
    public static let traceID = "trace_id"
    public static let spanID = "span_id"
    public static let topic = "topic"
    public static let partition = "partition"
    public static let offset = "offset"
    public static let key = "key"
    public static let error = "error"
    static let errorCode = "error_code"
    public static let reason = "reason"
    public static let broker = "broker"
    public static let groupID = "group_id"
    public static let batchSize = "batch_size"
    static let durationMs = "duration_ms"
    public static let count = "count"
    public static let route = "route"
    public static let method = "method"
    public static let path = "path"
    public static let status = "status"
    static let remote = "remote"
    static let sqlState = "sqlstate"
    public static let attempt = "attempt"
    public static let signal = "signal"
    public static let component = "component"
    /// A C library's own category of a record (librdkafka: `FAIL`, `REQTMOUT`, `CONFWARN`).
    public static let facility = "facility"
    /// The name of the client instance that logged (librdkafka: `kafkatrace-consumer#consumer-2`).
    public static let client = "client"
    /// The C library's thread that logged (librdkafka: `main`, `127.0.0.1:9092/1`).
    public static let thread = "thread"
}
