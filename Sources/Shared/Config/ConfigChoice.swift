import Logging
import SharedCore
import SharedKafka
import SharedLogging

/// A configuration value that is one of a fixed set of words (matched case-insensitively).
protocol ConfigChoice: RawRepresentable, CaseIterable, Sendable where RawValue == String {}

extension ConfigChoice {
    /// Parses `text` case-insensitively.
    init?(configText text: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            return nil
        }
        self = match
    }
}

extension Logger.Level: ConfigChoice {}
extension LogFormat: ConfigChoice {}
extension PostgresSSLMode: ConfigChoice {}
extension KafkaCompression: ConfigChoice {}
