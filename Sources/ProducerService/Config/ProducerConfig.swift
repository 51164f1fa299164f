import SharedConfig
import SharedKafka
import SharedOrders

/// Everything `kafkatrace-producer` is configured with (keys: ``CommonKeys``, ``ProducerKeys``).

struct ProducerConfig: Sendable, Equatable {
    /// `order.*`: the built-in generator.
    struct Orders: Sendable, Equatable {
        var rate: OrderRate
        /// Fraction of the interval, 0.0–1.0.
        var jitter: Double
        var burst: Int
    }

    /// Producer-only `kafka.*` keys.
    struct Kafka: Sendable, Equatable {
        var compression: KafkaCompression
        var lingerMs: Int
        var batchSizeBytes: Int
        /// `all` or `-1` as given (both mean all in-sync replicas).
        var acks: KafkaAcks
        var queueMaxMessages: Int
        var enqueueTimeoutMs: Int
        var createTopics: Bool
        var topicPartitions: Int
        var topicReplication: Int

        var enqueueTimeout: Duration { .milliseconds(enqueueTimeoutMs) }
    }

    var common: CommonConfig
    var orders: Orders
    /// `producer.instance_id`: given, or random per start.
    var instanceID: String
    /// `producer.auth_token` (secret): when set, `POST /v1/orders*` needs `Authorization: Bearer <token>`.
    var authToken: String?
    var kafka: Kafka
    /// The command line's non-config flags (`--check-config`, ...).
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
    static func load(arguments: [String], environment: [String: String]) throws(ConfigError) -> ProducerConfig {
        try load(options: CommandLineOptions.parse(arguments, for: .producer), environment: environment)
    }

    /// Loads the configuration from already parsed options.
    static func load(options: CommandLineOptions, environment: [String: String]) throws(ConfigError) -> ProducerConfig {
        var r = try ConfigResolver(service: .producer, options: options, environment: environment)
        var common = try CommonConfig.read(&r)
        let orders = Orders(
            rate: try r.read(ProducerKeys.orderRate),
            jitter: try r.read(ProducerKeys.orderJitter),
            burst: try r.read(ProducerKeys.orderBurst))
        let instanceID: String
        if let given = try r.readOptional(ProducerKeys.instanceID) {
            instanceID = given
        } else {
            var rng = SplitMix64()
            instanceID = OrderIDGenerator.makeInstanceID(using: &rng)
            r.replaceLast(ProducerKeys.instanceID.name, value: "\(instanceID) (random)")
        }
        let authToken = try r.readOptional(ProducerKeys.authToken)
        let kafka = Kafka(
            compression: try r.read(ProducerKeys.compression),
            lingerMs: try r.read(ProducerKeys.lingerMs),
            batchSizeBytes: try r.read(ProducerKeys.batchSize),
            acks: try r.read(ProducerKeys.acks),
            queueMaxMessages: try r.read(ProducerKeys.queueMaxMessages),
            enqueueTimeoutMs: try r.read(ProducerKeys.enqueueTimeoutMs),
            createTopics: try r.read(ProducerKeys.createTopics),
            topicPartitions: try r.read(ProducerKeys.topicPartitions),
            topicReplication: try r.read(ProducerKeys.topicReplication))
        common.kafka.passthrough = try r.passthrough()
        return ProducerConfig(
            common: common, orders: orders, instanceID: instanceID, authToken: authToken, kafka: kafka,
            options: options, effective: EffectiveConfig(service: .producer, entries: r.entries))
    }

    /// The effective configuration, one `key = value  # source` per line, secrets redacted.
    func renderEffective() -> String { effective.render() }

    /// `--help` text: usage, control flags, and every key with env var, flag, default and allowed values.
    static var helpText: String { ConfigHelp.text(for: .producer) }
}
