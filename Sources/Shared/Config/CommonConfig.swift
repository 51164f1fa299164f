import Logging
import SharedLogging

/// The keys both daemons read (docs/configuration.md "Common").
public struct CommonConfig: Sendable, Equatable {
    /// `http.*`
    public struct HTTP: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var maxConnections: Int
        public var maxBodyBytes: Int
        var idleTimeoutMs: Int
        var requestTimeoutMs: Int

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
        var securityProtocol: KafkaSecurityProtocol
        var saslMechanism: KafkaSASLMechanism?
        var saslUsername: String?
        /// Secret.
        var saslPassword: String?
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
    var shutdownTimeoutMs: Int

    public var shutdownTimeout: Duration { .milliseconds(shutdownTimeoutMs) }

    /// librdkafka pass-through properties (same as `kafka.passthrough`).
    public var kafkaPassthrough: [String: String] { kafka.passthrough }

    /// Reads the ``CommonKeys``.
    public static func read(_ r: inout ConfigResolver) throws(ConfigError) -> CommonConfig {
        let http = HTTP(
            host: try r.read(CommonKeys.httpHost),
            port: try r.read(CommonKeys.httpPort),
            maxConnections: try r.read(CommonKeys.httpMaxConnections),
            maxBodyBytes: try r.read(CommonKeys.httpMaxBodyBytes),
            idleTimeoutMs: try r.read(CommonKeys.httpIdleTimeoutMs),
            requestTimeoutMs: try r.read(CommonKeys.httpRequestTimeoutMs))
        let log = Log(level: try r.read(CommonKeys.logLevel), format: try r.read(CommonKeys.logFormat))
        let kafka = Kafka(
            brokers: try r.read(CommonKeys.kafkaBrokers),
            topic: try r.read(CommonKeys.kafkaTopic),
            securityProtocol: try r.read(CommonKeys.kafkaSecurityProtocol),
            saslMechanism: try r.readOptional(CommonKeys.kafkaSASLMechanism),
            saslUsername: try r.readOptional(CommonKeys.kafkaSASLUsername),
            saslPassword: try r.readOptional(CommonKeys.kafkaSASLPassword),
            statisticsIntervalMs: try r.read(CommonKeys.kafkaStatisticsIntervalMs),
            passthrough: [:])
        let shutdownTimeoutMs = try r.read(CommonKeys.shutdownTimeoutMs)
        try checkSASL(kafka)
        return CommonConfig(http: http, log: log, kafka: kafka, shutdownTimeoutMs: shutdownTimeoutMs)
    }

    /// SASL protocols need mechanism, user name and password; the others must not carry them.
    private static func checkSASL(_ kafka: Kafka) throws(ConfigError) {
        let given = [
            (CommonKeys.kafkaSASLMechanism.name, kafka.saslMechanism != nil),
            (CommonKeys.kafkaSASLUsername.name, kafka.saslUsername != nil),
            (CommonKeys.kafkaSASLPassword.name, kafka.saslPassword != nil),
        ]
        let protocolText = "\(CommonKeys.kafkaSecurityProtocol.name)=\(kafka.securityProtocol.rawValue)"
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
