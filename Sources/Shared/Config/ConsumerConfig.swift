import Foundation

/// Everything `kafkatrace-consumer` is configured with (docs/CONTRACT.md "Common" + "Consumer").
public struct ConsumerConfig: Sendable, Equatable {
    /// Consumer-only `kafka.*` keys.
    public struct Kafka: Sendable, Equatable {
        public var groupID: String
        public var dlqTopic: String
        public var sessionTimeoutMs: Int
    }

    /// `postgres.*`
    public struct Postgres: Sendable, Equatable {
        /// libpq URI or keyword/value string (secret: print with ``Redaction/redactPostgresURL(_:)``).
        public var url: String
        public var sslMode: PostgresSSLMode
    }

    /// `consumer.*`: batching and the circuit breaker.
    public struct Tuning: Sendable, Equatable {
        public var batchSize: Int
        public var batchMaxWaitMs: Int
        public var breakerFailures: Int
        public var breakerResetMs: Int
        public var joinGraceMs: Int

        public var batchMaxWait: Duration { .milliseconds(batchMaxWaitMs) }
        public var breakerReset: Duration { .milliseconds(breakerResetMs) }
        public var joinGrace: Duration { .milliseconds(joinGraceMs) }
    }

    public var common: CommonConfig
    public var kafka: Kafka
    public var postgres: Postgres
    public var consumer: Tuning
    /// The command line's non-config flags (`--migrate-only`, ...).
    public var options: CommandLineOptions
    /// Every value with its source, for `--check-config`.
    public var effective: EffectiveConfig

    /// librdkafka pass-through properties.
    public var kafkaPassthrough: [String: String] { common.kafkaPassthrough }

    /// Loads the configuration: flags > `KAFKATRACE_*` environment > `--config FILE` > defaults.
    ///
    /// - Parameters:
    ///   - arguments: command-line arguments without the program name.
    ///   - environment: usually `ProcessInfo.processInfo.environment`.
    public static func load(arguments: [String], environment: [String: String]) throws(ConfigError) -> ConsumerConfig {
        try load(options: CommandLineOptions.parse(arguments, for: .consumer), environment: environment)
    }

    /// Loads the configuration from already parsed options.
    public static func load(options: CommandLineOptions, environment: [String: String]) throws(ConfigError) -> ConsumerConfig {
        var r = try ConfigResolver(service: .consumer, options: options, environment: environment)
        var common = try CommonConfig.read(&r)
        let kafka = Kafka(
            groupID: try r.string("kafka.group_id"),
            dlqTopic: try r.string("kafka.dlq_topic", valid: ConfigParsing.isTopicName),
            sessionTimeoutMs: try r.int("kafka.session_timeout_ms", 1000...300_000))
        let postgres = Postgres(
            url: try r.string("postgres.url") { !$0.trimmingCharacters(in: .whitespaces).isEmpty },
            sslMode: try r.choice("postgres.sslmode"))
        let tuning = Tuning(
            batchSize: try r.int("consumer.batch_size", 1...50_000),
            batchMaxWaitMs: try r.int("consumer.batch_max_wait_ms", 1...60_000),
            breakerFailures: try r.int("consumer.breaker_failures", 1...1_000_000),
            breakerResetMs: try r.int("consumer.breaker_reset_ms", 100...3_600_000),
            joinGraceMs: try r.int("consumer.join_grace_ms", 0...3_600_000))
        common.kafka.passthrough = try r.passthrough()
        return ConsumerConfig(
            common: common, kafka: kafka, postgres: postgres, consumer: tuning, options: options,
            effective: EffectiveConfig(service: .consumer, entries: r.entries))
    }

    /// The effective configuration, one `key = value  # source` per line, secrets redacted.
    public func renderEffective() -> String { effective.render() }

    /// `--help` text: usage, control flags, and every key with env var, flag, default and allowed values.
    public static var helpText: String { ConfigHelp.text(for: .consumer) }
}
