import SharedCore

/// The keys only `kafkatrace-consumer` reads (docs/configuration.md "Consumer"); declared beside the
/// producer's for the reason ``ProducerKeys`` gives.
public enum ConsumerKeys {
    public static let groupID = ConfigKey.text(
        "kafka.group_id", scope: .consumer, default: "order-processors", summary: "Consumer group id.")
    public static let dlqTopic = ConfigKey.text(
        "kafka.dlq_topic", scope: .consumer, default: "food-orders.dlq", rule: .topicName, summary: "Dead-letter topic.")
    public static let sessionTimeoutMs = ConfigKey.integer(
        "kafka.session_timeout_ms", scope: .consumer, default: 10_000, range: 1000...300_000,
        summary: "librdkafka session.timeout.ms.")
    public static let postgresURL = ConfigKey.text(
        "postgres.url", scope: .consumer, default: "postgresql://kafkatrace@127.0.0.1:5432/kafkatrace",
        rule: ConfigTextRule(allowed: "a libpq URI or keyword/value string", normalize: ConfigTextRule.nonEmpty.normalize),
        summary: "PostgreSQL connection (the password part is redacted in output).", isSecret: true)
    public static let postgresSSLMode = ConfigKey<PostgresSSLMode>.choice(
        "postgres.sslmode", scope: .consumer, default: .prefer, summary: "libpq sslmode (overrides one in the URL).")
    public static let batchSize = ConfigKey.integer(
        "consumer.batch_size", scope: .consumer, default: 500, range: 1...50_000,
        summary: "Most messages one batch takes; a batch is what has arrived, so it grows to this only under load.")
    public static let batchMaxWaitMs = ConfigKey.integer(
        "consumer.batch_max_wait_ms", scope: .consumer, default: 50, range: 1...60_000,
        summary: "How long an idle consumer waits for the next message before checking in (batches never wait to fill).")
    public static let writeConnections = ConfigKey.integer(
        "consumer.write_connections", scope: .consumer, default: 2, range: 1...16,
        summary: "PostgreSQL connections the consumer writes over, in parallel; each partition is written by one, in order.")
    public static let breakerFailures = ConfigKey.integer(
        "consumer.breaker_failures", scope: .consumer, default: 5, range: 1...1_000_000,
        summary: "Consecutive DB failures that open the circuit.")
    public static let breakerResetMs = ConfigKey.integer(
        "consumer.breaker_reset_ms", scope: .consumer, default: 5000, range: 100...3_600_000,
        summary: "Open circuit waits this long before a trial.")
    public static let joinGraceMs = ConfigKey.integer(
        "consumer.join_grace_ms", scope: .consumer, default: 30_000, range: 0...3_600_000,
        summary: "A group join in progress shorter than this still counts as ready.")
    public static let stallAfterMs = ConfigKey.integer(
        "consumer.stall_after_ms", scope: .consumer, default: 60_000, range: 1000...3_600_000,
        summary: "A partition with lag whose position has not moved this long counts as stalled.")

    /// In `--help` and docs order.
    public static let all: [AnyConfigKey] = [
        .init(groupID), .init(dlqTopic), .init(sessionTimeoutMs), .init(postgresURL), .init(postgresSSLMode), .init(batchSize),
        .init(batchMaxWaitMs), .init(writeConnections), .init(breakerFailures), .init(breakerResetMs), .init(joinGraceMs),
        .init(stallAfterMs),
    ]
}
