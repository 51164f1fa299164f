import Logging

/// The keys both daemons read (docs/CONTRACT.md "Common").
public struct CommonConfig: Sendable, Equatable {
    /// `http.*`
    public struct HTTP: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var maxConnections: Int
        public var maxBodyBytes: Int
        public var idleTimeoutMs: Int
        public var requestTimeoutMs: Int

        public var idleTimeout: Duration { .milliseconds(idleTimeoutMs) }
        public var requestTimeout: Duration { .milliseconds(requestTimeoutMs) }
    }

    /// `log.*`
    public struct Log: Sendable, Equatable {
        public var level: Logger.Level
        public var format: LogFormat
    }

    /// `kafka.*` connection keys shared by producer and consumer.
    public struct Kafka: Sendable, Equatable {
        /// Comma-separated `host:port` list (librdkafka `bootstrap.servers`).
        public var brokers: String
        public var topic: String
        public var securityProtocol: KafkaSecurityProtocol
        public var saslMechanism: KafkaSASLMechanism?
        public var saslUsername: String?
        /// Secret.
        public var saslPassword: String?
        /// librdkafka `statistics.interval.ms`; 0 = off.
        public var statisticsIntervalMs: Int
        /// librdkafka properties passed through verbatim (`KAFKATRACE_KAFKA_<property>`,
        /// `kafka.properties` in the file). Never contains a property a typed key owns.
        public var passthrough: [String: String]
    }

    public var http: HTTP
    public var log: Log
    public var kafka: Kafka
    /// `shutdown.timeout_ms`
    public var shutdownTimeoutMs: Int

    public var shutdownTimeout: Duration { .milliseconds(shutdownTimeoutMs) }

    /// librdkafka pass-through properties (same as `kafka.passthrough`).
    public var kafkaPassthrough: [String: String] { kafka.passthrough }

    static func read(_ r: inout ConfigResolver) throws(ConfigError) -> CommonConfig {
        let http = HTTP(
            host: try r.string("http.host", valid: ConfigParsing.isIPLiteral),
            port: try r.int("http.port", 0...65535),
            maxConnections: try r.int("http.max_connections", 1...65535),
            maxBodyBytes: try r.int("http.max_body_bytes", 1...67_108_864),
            idleTimeoutMs: try r.int("http.idle_timeout_ms", 100...Int(Int32.max)),
            requestTimeoutMs: try r.int("http.request_timeout_ms", 100...Int(Int32.max)))
        let log = Log(level: try r.choice("log.level"), format: try r.choice("log.format"))
        let kafka = Kafka(
            brokers: try r.value("kafka.brokers", parse: ConfigParsing.parseBrokers),
            topic: try r.string("kafka.topic", valid: ConfigParsing.isTopicName),
            securityProtocol: try r.choice("kafka.security_protocol"),
            saslMechanism: try r.optionalValue("kafka.sasl_mechanism", display: \.rawValue) {
                KafkaSASLMechanism(configText: $0)
            },
            saslUsername: try r.optionalValue("kafka.sasl_username") { $0 },
            saslPassword: try r.optionalValue("kafka.sasl_password") { $0 },
            statisticsIntervalMs: try r.value("kafka.statistics_interval_ms") { text in
                ConfigParsing.parseInt(text, in: 0...86_400_000).flatMap { $0 == 0 || $0 >= 100 ? $0 : nil }
            },
            passthrough: [:])
        let shutdownTimeoutMs = try r.int("shutdown.timeout_ms", 1000...3_600_000)
        try checkSASL(kafka)
        return CommonConfig(http: http, log: log, kafka: kafka, shutdownTimeoutMs: shutdownTimeoutMs)
    }

    /// SASL protocols need mechanism, user name and password; the others must not carry them.
    private static func checkSASL(_ kafka: Kafka) throws(ConfigError) {
        let given = [
            ("kafka.sasl_mechanism", kafka.saslMechanism != nil), ("kafka.sasl_username", kafka.saslUsername != nil),
            ("kafka.sasl_password", kafka.saslPassword != nil),
        ]
        let protocolText = "kafka.security_protocol=\(kafka.securityProtocol.rawValue)"
        if kafka.securityProtocol.isSASL {
            let missing = given.filter { !$0.1 }.map(\.0)
            if !missing.isEmpty {
                throw .invalidCombination(
                    message: "\(protocolText) needs \(missing.joined(separator: ", ")) to be set")
            }
        } else {
            let extra = given.filter(\.1).map(\.0)
            if !extra.isEmpty {
                throw .invalidCombination(
                    message: "\(extra.joined(separator: ", ")) set but \(protocolText) does not use SASL; "
                        + "use sasl_plaintext or sasl_ssl")
            }
        }
    }
}
