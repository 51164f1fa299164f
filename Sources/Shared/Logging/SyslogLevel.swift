import Logging

/// The eight syslog severities (RFC 5424), as C libraries report them (librdkafka's `log_cb`)
/// and as journald reads them from a `<N>` line prefix. Both directions of the mapping to
/// swift-log's levels live here.
public enum SyslogLevel: Int32, Sendable, CaseIterable {
    case emergency = 0
    case alert = 1
    case critical = 2
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7

    /// A level from C: values below 0 count as `emergency`, above 7 as `debug`.
    public init(clamping raw: Int32) {
        self = SyslogLevel(rawValue: min(max(raw, 0), 7)) ?? .debug
    }

    /// The syslog level journald records for a line logged at `level`.
    public init(_ level: Logger.Level) {
        switch level {
        case .trace, .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }

    /// The swift-log level for a record a C library logged at this syslog level
    /// (emergency, alert and critical are all `critical`).
    public var loggerLevel: Logger.Level {
        switch self {
        case .emergency, .alert, .critical: .critical
        case .error: .error
        case .warning: .warning
        case .notice: .notice
        case .info: .info
        case .debug: .debug
        }
    }

    /// The line prefix journald (`SyslogLevelPrefix=yes`, the default) turns into `PRIORITY=`.
    public var journalPrefix: String { "<\(rawValue)>" }
}
