/// `kafka.security_protocol`: librdkafka `security.protocol`.
enum KafkaSecurityProtocol: String, ConfigChoice {
    case plaintext
    case ssl
    case saslPlaintext = "sasl_plaintext"
    case saslSSL = "sasl_ssl"

    /// Whether SASL credentials are needed.
    var isSASL: Bool { self == .saslPlaintext || self == .saslSSL }
}
