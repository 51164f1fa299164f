import Logging

/// Wires swift-log to our handlers. The daemons call ``bootstrap(service:level:format:sink:)``
/// once from `main`; library code takes an injected `Logger`, and tests build one with
/// ``makeLogger(label:service:level:format:sink:)`` (no global state).
public enum LogSetup {
    /// A handler for `format`.
    static func makeHandler(
        label: String, service: String, level: Logger.Level, format: LogFormat, sink: LogSink = .standardError
    ) -> any LogHandler {
        switch format {
        case .json: JSONLogHandler(label: label, service: service, level: level, sink: sink)
        case .text: TextLogHandler(label: label, service: service, level: level, sink: sink)
        }
    }

    /// A logger writing to `sink` with its own handler (for tests and tools).
    static func makeLogger(
        label: String, service: String, level: Logger.Level = .trace, format: LogFormat = .json,
        sink: LogSink
    ) -> Logger {
        Logger(label: label) { label in
            makeHandler(label: label, service: service, level: level, format: format, sink: sink)
        }
    }

    /// Calls `LoggingSystem.bootstrap` (allowed once per process) so every `Logger(label:)`
    /// writes `format` lines at `level` and above to `sink`.
    public static func bootstrap(
        service: String, level: Logger.Level, format: LogFormat, sink: LogSink = .standardError
    ) {
        LoggingSystem.bootstrap { label in
            makeHandler(label: label, service: service, level: level, format: format, sink: sink)
        }
    }

    /// The one line of a daemon that will not start because of its flags or configuration. The
    /// log's own level and format come from that configuration, so it is not set up yet; the line
    /// is JSON anyway, like every other line on stderr (journald and log shippers parse it), with
    /// the error's full text (which key, its source, what is allowed) in `error`.
    public static func reportStartupError(_ error: any Error, service: String, sink: LogSink = .standardError) {
        makeLogger(label: "kafkatrace.\(service)", service: service, level: .info, format: .json, sink: sink)
            .critical("not starting: invalid flags or configuration", metadata: [LogKeys.error: "\(error)"])
    }
}
