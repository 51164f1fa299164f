/// Everything `kafkatrace-producer` is configured with (docs/CONTRACT.md "Common" + "Producer").
public struct ProducerConfig: Sendable, Equatable {
    /// `order.*`: the built-in generator.
    public struct Orders: Sendable, Equatable {
        public var rate: OrderRate
        /// Fraction of the interval, 0.0–1.0.
        public var jitter: Double
        public var burst: Int
    }

    /// Producer-only `kafka.*` keys.
    public struct Kafka: Sendable, Equatable {
        public var compression: KafkaCompression
        public var lingerMs: Int
        public var batchSizeBytes: Int
        /// `all` or `-1` as given (both mean all in-sync replicas).
        public var acks: String
        public var queueMaxMessages: Int
        public var enqueueTimeoutMs: Int
        public var createTopics: Bool
        public var topicPartitions: Int
        public var topicReplication: Int

        public var enqueueTimeout: Duration { .milliseconds(enqueueTimeoutMs) }
    }

    public var common: CommonConfig
    public var orders: Orders
    /// `producer.instance_id`: given, or random per start.
    public var instanceID: String
    /// `producer.auth_token` (secret): when set, `POST /v1/orders*` needs `Authorization: Bearer <token>`.
    public var authToken: String?
    public var kafka: Kafka
    /// The command line's non-config flags (`--check-config`, ...).
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
    public static func load(arguments: [String], environment: [String: String]) throws(ConfigError) -> ProducerConfig {
        try load(options: CommandLineOptions.parse(arguments, for: .producer), environment: environment)
    }

    /// Loads the configuration from already parsed options.
    public static func load(options: CommandLineOptions, environment: [String: String]) throws(ConfigError) -> ProducerConfig {
        var r = try ConfigResolver(service: .producer, options: options, environment: environment)
        var common = try CommonConfig.read(&r)
        let orders = Orders(
            rate: try r.value("order.rate", parse: OrderRate.init(configText:)),
            jitter: try r.double("order.jitter", 0...1),
            burst: try r.int("order.burst", 1...100_000))
        let instanceID: String
        if let given = try r.optionalValue("producer.instance_id", parse: { ConfigParsing.isInstanceID($0) ? $0 : nil }) {
            instanceID = given
        } else {
            instanceID = ConfigParsing.randomInstanceID()
            r.replaceLast("producer.instance_id", value: "\(instanceID) (random)")
        }
        let authToken = try r.optionalValue("producer.auth_token") { $0 }
        let kafka = Kafka(
            compression: try r.choice("kafka.compression"),
            lingerMs: try r.int("kafka.linger_ms", 0...900_000),
            batchSizeBytes: try r.int("kafka.batch_size", 1...Int(Int32.max)),
            acks: try r.value("kafka.acks") { ["all", "-1"].contains($0.lowercased()) ? $0.lowercased() : nil },
            queueMaxMessages: try r.int("kafka.queue_max_messages", 1...10_000_000),
            enqueueTimeoutMs: try r.int("kafka.enqueue_timeout_ms", 0...600_000),
            createTopics: try r.bool("kafka.create_topics"),
            topicPartitions: try r.int("kafka.topic_partitions", 1...100_000),
            topicReplication: try r.int("kafka.topic_replication", 1...32767))
        common.kafka.passthrough = try r.passthrough()
        return ProducerConfig(
            common: common, orders: orders, instanceID: instanceID, authToken: authToken, kafka: kafka,
            options: options, effective: EffectiveConfig(service: .producer, entries: r.entries))
    }

    /// The effective configuration, one `key = value  # source` per line, secrets redacted.
    public func renderEffective() -> String { effective.render() }

    /// `--help` text: usage, control flags, and every key with env var, flag, default and allowed values.
    public static var helpText: String { ConfigHelp.text(for: .producer) }
}
