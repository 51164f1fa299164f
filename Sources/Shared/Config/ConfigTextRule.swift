import Foundation
import SharedKafka

/// What a text key accepts: the words that say it (for errors, `--help` and the docs) and the
/// check that enforces it, side by side.
public struct ConfigTextRule: Sendable {
    /// A noun phrase that reads after "is not": "a Kafka topic name (…)".
    public let allowed: String
    /// The accepted value (possibly normalized), or nil.
    public let normalize: @Sendable (String) -> String?

    public init(allowed: String, normalize: @escaping @Sendable (String) -> String?) {
        self.allowed = allowed
        self.normalize = normalize
    }

    public init(allowed: String, isValid: @escaping @Sendable (String) -> Bool) {
        self.init(allowed: allowed) { isValid($0) ? $0 : nil }
    }

    /// Any non-blank text.
    public static let nonEmpty = ConfigTextRule(allowed: "a non-empty string") {
        !$0.trimmingCharacters(in: .whitespaces).isEmpty
    }

    /// An IPv4 or IPv6 address literal.
    public static let ipLiteral = ConfigTextRule(
        allowed: "an IPv4 or IPv6 address literal", isValid: ConfigParsing.isIPLiteral)

    /// `host:port[,host:port...]`, normalized.
    public static let brokers = ConfigTextRule(
        allowed: "a list host:port[,host:port...]", normalize: ConfigParsing.parseBrokers)

    /// Kafka's topic name rule.
    public static let topicName = ConfigTextRule(
        allowed: "a Kafka topic name (1–\(KafkaTopicName.maxLength) of a-z A-Z 0-9 . _ -)",
        isValid: KafkaTopicName.isValid)
}
