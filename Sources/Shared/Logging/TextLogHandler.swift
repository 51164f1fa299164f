import Logging

/// A swift-log handler for people (`log.format=text`):
/// `2026-11-23T09:30:00.123Z info  producer/kafka: delivered order_id=ORD-... partition=3`.
///
/// Values containing spaces, quotes or control characters are JSON-quoted so a line stays one line.
struct TextLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let service: String
    private let sink: LogSink
    private let clock: @Sendable () -> String

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

    func render(_ event: LogEvent) -> String {
        let level = event.level.rawValue.padding(toWidth: 8)
        var line = "\(clock()) \(level) \(service)/\(label): \(Self.singleLine(event.message.description))"
        var merged = mergedMetadata(event)
        if let error = event.error, merged[LogKeys.error] == nil { merged[LogKeys.error] = "\(error)" }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(Self.quoted(value.description))"
        }
        if event.level <= .debug { line += " (\(event.file):\(event.line))" }
        return line
    }

    private static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0.value != 0x7F }
        if plain { return text }
        var out = ""
        JSONWriter.appendString(text, to: &out)
        return out
    }

    private static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return text }
        var out = ""
        JSONWriter.appendString(text, to: &out)
        return out
    }
}

extension String {
    fileprivate func padding(toWidth width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
