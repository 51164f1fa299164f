import SharedConfig
import SharedPostgres

/// Everything `kafkatrace-consumer` is configured with (keys: ``CommonKeys``, ``ConsumerKeys``).
struct ConsumerConfig: Sendable, Equatable {
    /// Consumer-only `kafka.*` keys.
    struct Kafka: Sendable, Equatable {
        var groupID: String
        var dlqTopic: String
        var sessionTimeoutMs: Int
    }

    /// `postgres.*`
    struct Postgres: Sendable, Equatable {
        /// libpq URI or keyword/value string (secret: print with ``Redaction/redactPostgresURL(_:)``).
        var url: String
        var sslMode: PostgresSSLMode
    }

    /// `consumer.*`: batching, write connections, the circuit breaker, readiness and stall detection.
    struct Tuning: Sendable, Equatable {
        var batchSize: Int
        var batchMaxWaitMs: Int
        var writeConnections: Int
        var breakerFailures: Int
        var breakerResetMs: Int
        var joinGraceMs: Int
        var stallAfterMs: Int

        var batchMaxWait: Duration { .milliseconds(batchMaxWaitMs) }
        var breakerReset: Duration { .milliseconds(breakerResetMs) }
        var joinGrace: Duration { .milliseconds(joinGraceMs) }
        var stallAfter: Duration { .milliseconds(stallAfterMs) }
    }

    var common: CommonConfig
    var kafka: Kafka
    var postgres: Postgres
    var consumer: Tuning
    /// The command line's non-config flags (`--migrate-only`, ...).
    var options: CommandLineOptions
    /// Every value with its source, for `--check-config`.
    var effective: EffectiveConfig

    /// librdkafka pass-through properties.
    var kafkaPassthrough: [String: String] { common.kafkaPassthrough }

    /// Loads the configuration: flags > `KAFKATRACE_*` environment > `--config FILE` > defaults.
    ///
    /// - Parameters:
    ///   - arguments: command-line arguments without the program name.
    ///   - environment: usually `ProcessInfo.processInfo.environment`.
    static func load(arguments: [String], environment: [String: String]) throws(ConfigError) -> ConsumerConfig {
        try load(options: CommandLineOptions.parse(arguments, for: .consumer), environment: environment)
    }

    /// Loads the configuration from already parsed options.
    static func load(options: CommandLineOptions, environment: [String: String]) throws(ConfigError) -> ConsumerConfig {
        var r = try ConfigResolver(service: .consumer, options: options, environment: environment)
        var common = try CommonConfig.read(&r)
        let kafka = Kafka(
            groupID: try r.read(ConsumerKeys.groupID),
            dlqTopic: try r.read(ConsumerKeys.dlqTopic),
            sessionTimeoutMs: try r.read(ConsumerKeys.sessionTimeoutMs))
        let postgres = Postgres(url: try r.read(ConsumerKeys.postgresURL), sslMode: try r.read(ConsumerKeys.postgresSSLMode))
        let tuning = Tuning(
            batchSize: try r.read(ConsumerKeys.batchSize),
            batchMaxWaitMs: try r.read(ConsumerKeys.batchMaxWaitMs),
            writeConnections: try r.read(ConsumerKeys.writeConnections),
            breakerFailures: try r.read(ConsumerKeys.breakerFailures),
            breakerResetMs: try r.read(ConsumerKeys.breakerResetMs),
            joinGraceMs: try r.read(ConsumerKeys.joinGraceMs),
            stallAfterMs: try r.read(ConsumerKeys.stallAfterMs))
        common.kafka.passthrough = try r.passthrough()
        return ConsumerConfig(
            common: common, kafka: kafka, postgres: postgres, consumer: tuning, options: options,
            effective: EffectiveConfig(service: .consumer, entries: r.entries))
    }

    /// The effective configuration, one `key = value  # source` per line, secrets redacted.
    func renderEffective() -> String { effective.render() }

    /// `--help` text: usage, control flags, and every key with env var, flag, default and allowed values.
    static var helpText: String { ConfigHelp.text(for: .consumer) }
}
