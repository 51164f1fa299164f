import Logging

/// A swift-log handler writing one JSON object per line:
///
/// ```json
/// {"time":"2026-11-23T09:30:00.123Z","level":"info","message":"delivered","service":"producer",
///  "logger":"kafka","order_id":"ORD-...","partition":3}
/// ```
///
/// Metadata (handler, provider, then per-call, later wins) is flattened into the object; integers
/// and Booleans stay JSON numbers/Booleans. At `debug` and `trace` the line also carries `source`
/// (module) and `file` (`path:line`). A metadata key that collides with a fixed field is written
/// as `meta.<key>`. The event's `error` (if any) goes to `error` unless metadata sets it.
struct JSONLogHandler: LogHandler {
    /// Fields every line starts with; metadata may not overwrite them.
    static let reservedKeys: Set<String> = ["time", "level", "message", "service", "logger", "source", "file"]

    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let service: String
    private let sink: LogSink
    private let clock: @Sendable () -> String

    /// - Parameters:
    ///   - label: the logger's label, written as `logger`.
    ///   - service: `producer` / `consumer`, written as `service`.
    ///   - sink: where lines go (stderr by default).
    ///   - clock: the timestamp source (tests may fix it).
    init(
        label: String, service: String, level: Logger.Level = .info, sink: LogSink = .standardError,
        metadataProvider: Logger.MetadataProvider? = nil,
        clock: @escaping @Sendable () -> String = LogTimestamp.now
    ) {
        self.label = label
        self.service = service
        self.logLevel = level
        self.sink = sink
        self.metadataProvider = metadataProvider
        self.clock = clock
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.write(line: render(event), level: event.level)
    }

    /// The JSON line for `event` (no trailing newline).
    func render(_ event: LogEvent) -> String {
        var writer = JSONWriter()
        writer.field("time", clock())
        writer.field("level", event.level.rawValue)
        writer.field("message", event.message.description)
        writer.field("service", service)
        writer.field("logger", label)
        let merged = mergedMetadata(event)
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            writer.field(Self.reservedKeys.contains(key) ? "meta.\(key)" : key, value)
        }
        if let error = event.error, merged[LogKeys.error] == nil {
            writer.field(LogKeys.error, String(describing: error))
        }
        if event.level <= .debug {
            writer.field("source", event.source)
            writer.field("file", "\(event.file):\(event.line)")
        }
        return writer.finish()
    }
}
