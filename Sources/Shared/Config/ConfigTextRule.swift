import SharedCore
import SharedKafka

/// What a text key accepts: the words that say it (for errors, `--help` and the docs) and the
/// check that enforces it, side by side.
struct ConfigTextRule: Sendable {
    /// A noun phrase that reads after "is not": "a Kafka topic name (…)".
    let allowed: String
    /// The accepted value (possibly normalized), or nil.
    let normalize: @Sendable (String) -> String?

    init(allowed: String, normalize: @escaping @Sendable (String) -> String?) {
        self.allowed = allowed
        self.normalize = normalize
    }

    init(allowed: String, isValid: @escaping @Sendable (String) -> Bool) {
        self.init(allowed: allowed) { isValid($0) ? $0 : nil }
    }

    /// Any non-blank text.
    static let nonEmpty = ConfigTextRule(allowed: "a non-empty string") {
        !$0.trimmingASCIIWhitespace.isEmpty
    }

    /// An IPv4 or IPv6 address literal.
    static let ipLiteral = ConfigTextRule(
        allowed: "an IPv4 or IPv6 address literal", isValid: ConfigParsing.isIPLiteral)

    /// `host:port[,host:port...]`, normalized.
    static let brokers = ConfigTextRule(
        allowed: "a list host:port[,host:port...]", normalize: ConfigParsing.parseBrokers)

    /// Kafka's topic name rule.
    static let topicName = ConfigTextRule(
        allowed: "a Kafka topic name (1–\(KafkaTopicName.maxLength) of a-z A-Z 0-9 . _ -)",
        isValid: KafkaTopicName.isValid)
}
