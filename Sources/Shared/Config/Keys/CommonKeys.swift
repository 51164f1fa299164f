import Logging
import SharedLogging

/// The keys both daemons read (docs/configuration.md "Common"). Each range, default and allowed
/// value is stated here once; ``CommonConfig`` reads them, `--help` and docs/configuration.md
/// print them.
enum CommonKeys {
    static let httpHost = ConfigKey.text(
        "http.host", scope: .common, default: "0.0.0.0", rule: .ipLiteral, summary: "Address the HTTP server binds.")
    static let httpPort = ConfigKey.integer(
        "http.port", scope: .common, default: nil, range: 0...65535, note: "0 = ephemeral, for tests",
        summary: "HTTP port for health, readiness, metrics (and orders on the producer).",
        defaults: [.producer: "8080", .consumer: "8081"])
    static let httpMaxConnections = ConfigKey.integer(
        "http.max_connections", scope: .common, default: 1024, range: 1...65535,
        summary: "Open HTTP connections beyond this are refused.")
    static let httpMaxBodyBytes = ConfigKey.integer(
        "http.max_body_bytes", scope: .common, default: 1_048_576, range: 1...67_108_864,
        summary: "Largest accepted request body (413 above).")
    static let httpIdleTimeoutMs = ConfigKey.integer(
        "http.idle_timeout_ms", scope: .common, default: 60_000, range: 100...Int(Int32.max),
        summary: "Keep-alive connections idle this long are closed.")
    static let httpRequestTimeoutMs = ConfigKey.integer(
        "http.request_timeout_ms", scope: .common, default: 10_000, range: 100...Int(Int32.max),
        summary: "A whole request must arrive within this (slow clients).")
    static let logLevel = ConfigKey<Logger.Level>.choice(
        "log.level", scope: .common, default: .info, summary: "Lowest log level written.")
    static let logFormat = ConfigKey<LogFormat>.choice(
        "log.format", scope: .common, default: .json, summary: "json: one JSON object per line; text: for people.")
    static let kafkaBrokers = ConfigKey.text(
        "kafka.brokers", scope: .common, default: "127.0.0.1:9092", rule: .brokers, summary: "Bootstrap brokers.")
    static let kafkaTopic = ConfigKey.text(
        "kafka.topic", scope: .common, default: "food-orders", rule: .topicName, summary: "The orders topic.")
    static let kafkaSecurityProtocol = ConfigKey<KafkaSecurityProtocol>.choice(
        "kafka.security_protocol", scope: .common, default: .plaintext, summary: "librdkafka security.protocol.")
    static let kafkaSASLMechanism = ConfigKey<KafkaSASLMechanism>.choice(
        "kafka.sasl_mechanism", scope: .common, default: nil,
        summary: "librdkafka sasl.mechanism; required with sasl_plaintext/sasl_ssl.")
    static let kafkaSASLUsername = ConfigKey.text(
        "kafka.sasl_username", scope: .common, default: nil, summary: "SASL user name.")
    static let kafkaSASLPassword = ConfigKey.text(
        "kafka.sasl_password", scope: .common, default: nil, summary: "SASL password (secret).", isSecret: true)
    static let kafkaStatisticsIntervalMs = ConfigKey.integer(
        "kafka.statistics_interval_ms", scope: .common, default: 5000, range: 100...86_400_000, zero: "off",
        summary: "librdkafka statistics.interval.ms (feeds the kafka metrics).")
    static let shutdownTimeoutMs = ConfigKey.integer(
        "shutdown.timeout_ms", scope: .common, default: 25_000, range: 1000...3_600_000,
        summary: "Graceful shutdown budget (below Helm's 30 s and systemd's 40 s).")

    /// In `--help` and docs order.
    public static let all: [AnyConfigKey] = [
        .init(httpHost), .init(httpPort), .init(httpMaxConnections), .init(httpMaxBodyBytes), .init(httpIdleTimeoutMs),
        .init(httpRequestTimeoutMs), .init(logLevel), .init(logFormat), .init(kafkaBrokers), .init(kafkaTopic),
        .init(kafkaSecurityProtocol), .init(kafkaSASLMechanism), .init(kafkaSASLUsername), .init(kafkaSASLPassword),
        .init(kafkaStatisticsIntervalMs), .init(shutdownTimeoutMs),
    ]
}
