import Logging
import SharedLogging

/// One line librdkafka logged (its `log_cb`), e.g. level 3, facility `FAIL`, client
/// `kafkatrace-consumer#consumer-2`, thread `127.0.0.1:9092/bootstrap`, message
/// `Connect to ipv4#127.0.0.1:9092 failed: Connection refused`.
///
/// librdkafka writes such lines to stderr as `%3|1700000000.123|FAIL|name| [thrd:…]: …` unless
/// a log callback is installed; ours turns each one into a record of the daemon's logger.
public struct KafkaLogRecord: Sendable, Equatable {
    public var level: SyslogLevel
    public var facility: String
    public var client: String
    /// librdkafka's thread name from the `[thrd:NAME]: ` prefix (`log.thread.name`), if any.
    public var thread: String?
    public var message: String

    public init(level: SyslogLevel, facility: String, client: String, thread: String? = nil, message: String) {
        self.level = level
        self.facility = facility
        self.client = client
        self.thread = thread
        self.message = message
    }

    /// Splits librdkafka's `[thrd:NAME]: ` prefix off `text`.
    public init(level: SyslogLevel, facility: String, client: String, text: String) {
        var thread: String?
        var message = text
        if text.hasPrefix("[thrd:"), let end = text.firstRange(of: "]: ") {
            thread = String(text[text.index(text.startIndex, offsetBy: 6)..<end.lowerBound])
            message = String(text[end.upperBound...])
        }
        self.init(level: level, facility: facility, client: client, thread: thread, message: message)
    }

    /// Logs the record on `logger` at the matching level, with `component=librdkafka`,
    /// `facility`, `client` and `thread` as fields.
    public func log(to logger: Logger) {
        var metadata: Logger.Metadata = [
            LogKeys.component: "librdkafka", LogKeys.facility: .string(facility), LogKeys.client: .string(client),
        ]
        if let thread { metadata[LogKeys.thread] = .string(thread) }
        logger.log(level: level.loggerLevel, "\(message)", metadata: metadata)
    }
}
