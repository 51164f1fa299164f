import SharedKafka
import SharedOrders

/// The keys only `kafkatrace-producer` reads (docs/configuration.md "Producer").
///
/// They are declared here, beside the consumer's, and not in the producer's target: one config
/// file or environment may serve both daemons, so each daemon must know the other's key names to
/// tell them from typos (``ConfigResolver`` refuses unknown names).
public enum ProducerKeys {
    public static let orderRate = ConfigKey<OrderRate>(
        spec: ConfigKeySpec(
            "order.rate", scope: .producer, defaultValue: "10",
            allowed: "a number of orders/s in 0–\(ConfigParsing.plain(OrderRate.maximum)) (0 disables the generator) or unlimited",
            summary: "Built-in order generator rate."),
        parse: OrderRate.init(configText:))
    public static let orderJitter = ConfigKey.number(
        "order.jitter", scope: .producer, default: 0, range: 0...1,
        summary: "Random jitter as a fraction of the interval.")
    public static let orderBurst = ConfigKey.integer(
        "order.burst", scope: .producer, default: 1, range: 1...100_000, summary: "Orders sent back to back per tick.")
    public static let instanceID = ConfigKey.text(
        "producer.instance_id", scope: .producer, default: nil, defaultNote: "random 8 chars A-Z0-9 per start",
        rule: ConfigTextRule(
            allowed: "\(OrderValidator.instanceIDLength.lowerBound)–\(OrderValidator.instanceIDLength.upperBound) characters A-Z 0-9",
            isValid: OrderValidator.isValidInstanceID),
        summary: "Suffix of generated order ids.")
    public static let authToken = ConfigKey.text(
        "producer.auth_token", scope: .producer, default: nil,
        summary: "When set, POST /v1/orders* needs Authorization: Bearer <token> (secret).", isSecret: true)
    public static let compression = ConfigKey<KafkaCompression>.choice(
        "kafka.compression", scope: .producer, default: .lz4, summary: "librdkafka compression.type.")
    public static let lingerMs = ConfigKey.integer(
        "kafka.linger_ms", scope: .producer, default: 5, range: 0...900_000, summary: "librdkafka linger.ms.")
    public static let batchSize = ConfigKey.integer(
        "kafka.batch_size", scope: .producer, default: 1_000_000, range: 1...Int(Int32.max), unit: "bytes",
        summary: "librdkafka batch.size.")
    public static let acks = ConfigKey<KafkaAcks>.choice(
        "kafka.acks", scope: .producer, default: .all, note: "idempotence requires all", summary: "librdkafka acks.")
    public static let queueMaxMessages = ConfigKey.integer(
        "kafka.queue_max_messages", scope: .producer, default: 100_000, range: 1...10_000_000,
        summary: "librdkafka queue.buffering.max.messages.")
    public static let enqueueTimeoutMs = ConfigKey.integer(
        "kafka.enqueue_timeout_ms", scope: .producer, default: 1000, range: 0...600_000,
        summary: "How long produce waits on QUEUE_FULL before rejecting.")
    public static let createTopics = ConfigKey.boolean(
        "kafka.create_topics", scope: .producer, default: false,
        summary: "Create the topic and DLQ topic at start when missing.", environmentAliases: ["KAFKATRACE_CREATE_TOPICS"])
    public static let topicPartitions = ConfigKey.integer(
        "kafka.topic_partitions", scope: .producer, default: 6, range: 1...100_000,
        summary: "Partitions when creating topics.")
    public static let topicReplication = ConfigKey.integer(
        "kafka.topic_replication", scope: .producer, default: 3, range: 1...32767,
        summary: "Replication factor when creating topics.")

    /// In `--help` and docs order.
    public static let all: [AnyConfigKey] = [
        .init(orderRate), .init(orderJitter), .init(orderBurst), .init(instanceID), .init(authToken), .init(compression),
        .init(lingerMs), .init(batchSize), .init(acks), .init(queueMaxMessages), .init(enqueueTimeoutMs), .init(createTopics),
        .init(topicPartitions), .init(topicReplication),
    ]
}
