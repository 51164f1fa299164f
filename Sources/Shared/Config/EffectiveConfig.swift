import SharedCore

/// The configuration a daemon runs with, value by value with its source, secrets redacted.
/// Printed by `--check-config` and logged at start.
public struct EffectiveConfig: Sendable, Equatable {
    /// One key's effective value.
    public struct Entry: Sendable, Equatable {
        /// Dotted key, or `kafka.properties.<librdkafka property>` for pass-through.
        public var key: String
        /// The value as used (normalized), `<redacted>` for secrets, `(unset)` when unset.
        public var value: String
        /// Where it came from.
        public var source: ConfigSource

        public init(key: String, value: String, source: ConfigSource) {
            self.key = key
            self.value = value
            self.source = source
        }
    }

    public var service: DaemonKind
    public var entries: [Entry]

    public init(service: DaemonKind, entries: [Entry]) {
        self.service = service
        self.entries = entries
    }

    /// The entry for `key`, if read.
    public subscript(key: String) -> Entry? { entries.first { $0.key == key } }

    /// `key = value  # source` lines, aligned, under a header comment.
    public func render() -> String {
        let width = entries.map(\.key.count).max() ?? 0
        let valueWidth = min(48, entries.map(\.value.count).max() ?? 0)
        var lines = ["# \(service.binaryName) \(KafkaTrace.version) effective configuration (key = value  # source)"]
        for entry in entries {
            let key = entry.key.padded(to: width)
            let value = entry.value.count < valueWidth
                ? entry.value.padded(to: valueWidth) : entry.value
            lines.append("\(key) = \(value)  # \(entry.source)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
