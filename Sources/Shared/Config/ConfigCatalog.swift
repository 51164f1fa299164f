/// The table of every configuration key (docs/CONTRACT.md "Configuration keys").
///
/// Parsing, error messages, `--help` and `docs/configuration.md` all come from here.
public enum ConfigCatalog {
    /// The keys `service` reads, in table order (common first).
    public static func keys(for service: DaemonKind) -> [ConfigKeySpec] {
        let port = service == .producer ? "8080" : "8081"
        return common(httpPort: port) + (service == .producer ? producer : consumer)
    }

    /// The spec for `key` as `service` reads it, or nil when `service` does not read it.
    public static func spec(_ key: String, for service: DaemonKind) -> ConfigKeySpec? {
        keys(for: service).first { $0.key == key }
    }

    /// Keys of every daemon (a shared file or environment may carry the other daemon's keys).
    static var allKeyNames: Set<String> {
        Set(DaemonKind.allCases.flatMap { keys(for: $0).map(\.key) })
    }

    // MARK: - Common

    static func common(httpPort: String) -> [ConfigKeySpec] {
        [
            .init(
                "http.host", scope: .common, defaultValue: "0.0.0.0",
                allowed: "an IPv4 or IPv6 address literal", summary: "Address the HTTP server binds."),
            .init(
                "http.port", scope: .common, defaultValue: httpPort,
                allowed: "an integer in 0–65535 (0 = ephemeral, for tests)",
                summary: "HTTP port for health, readiness, metrics (and orders on the producer)."),
            .init(
                "http.max_connections", scope: .common, defaultValue: "1024",
                allowed: "an integer in 1–65535", summary: "Open HTTP connections beyond this are refused."),
            .init(
                "http.max_body_bytes", scope: .common, defaultValue: "1048576",
                allowed: "an integer in 1–67108864", summary: "Largest accepted request body (413 above)."),
            .init(
                "http.idle_timeout_ms", scope: .common, defaultValue: "60000",
                allowed: "an integer ≥ 100", summary: "Keep-alive connections idle this long are closed."),
            .init(
                "http.request_timeout_ms", scope: .common, defaultValue: "10000",
                allowed: "an integer ≥ 100", summary: "A whole request must arrive within this (slow clients)."),
            .init(
                "log.level", scope: .common, defaultValue: "info",
                allowed: "one of trace, debug, info, notice, warning, error, critical",
                summary: "Lowest log level written."),
            .init(
                "log.format", scope: .common, defaultValue: "json",
                allowed: "one of json, text", summary: "json: one JSON object per line; text: for people."),
            .init(
                "kafka.brokers", scope: .common, defaultValue: "127.0.0.1:9092",
                allowed: "a list host:port[,host:port...]", summary: "Bootstrap brokers."),
            .init(
                "kafka.topic", scope: .common, defaultValue: "food-orders",
                allowed: "a Kafka topic name (1–249 of a-z A-Z 0-9 . _ -)", summary: "The orders topic."),
            .init(
                "kafka.security_protocol", scope: .common, defaultValue: "plaintext",
                allowed: "one of plaintext, ssl, sasl_plaintext, sasl_ssl",
                summary: "librdkafka security.protocol."),
            .init(
                "kafka.sasl_mechanism", scope: .common, defaultValue: nil,
                allowed: "one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512",
                summary: "librdkafka sasl.mechanism; required with sasl_plaintext/sasl_ssl."),
            .init(
                "kafka.sasl_username", scope: .common, defaultValue: nil,
                allowed: "a non-empty string", summary: "SASL user name."),
            .init(
                "kafka.sasl_password", scope: .common, defaultValue: nil,
                allowed: "a non-empty string", summary: "SASL password (secret).", isSecret: true),
            .init(
                "kafka.statistics_interval_ms", scope: .common, defaultValue: "5000",
                allowed: "0 (off) or an integer in 100–86400000",
                summary: "librdkafka statistics.interval.ms (feeds the kafka metrics)."),
            .init(
                "shutdown.timeout_ms", scope: .common, defaultValue: "25000",
                allowed: "an integer in 1000–3600000",
                summary: "Graceful shutdown budget (below Helm's 30 s and systemd's 40 s)."),
        ]
    }

    // MARK: - Producer

    static let producer: [ConfigKeySpec] = [
        .init(
            "order.rate", scope: .producer, defaultValue: "10",
            allowed: "a number of orders/s ≥ 0 (0 disables the generator) or unlimited",
            summary: "Built-in order generator rate."),
        .init(
            "order.jitter", scope: .producer, defaultValue: "0",
            allowed: "a number in 0.0–1.0", summary: "Random jitter as a fraction of the interval."),
        .init(
            "order.burst", scope: .producer, defaultValue: "1",
            allowed: "an integer in 1–100000", summary: "Orders sent back to back per tick."),
        .init(
            "producer.instance_id", scope: .producer, defaultValue: nil,
            defaultNote: "random 8 chars A-Z0-9 per start",
            allowed: "4–16 characters A-Z 0-9", summary: "Suffix of generated order ids."),
        .init(
            "producer.auth_token", scope: .producer, defaultValue: nil,
            allowed: "a non-empty string",
            summary: "When set, POST /v1/orders* needs Authorization: Bearer <token> (secret).",
            isSecret: true),
        .init(
            "kafka.compression", scope: .producer, defaultValue: "lz4",
            allowed: "one of none, gzip, snappy, lz4, zstd", summary: "librdkafka compression.type."),
        .init(
            "kafka.linger_ms", scope: .producer, defaultValue: "5",
            allowed: "an integer in 0–900000", summary: "librdkafka linger.ms."),
        .init(
            "kafka.batch_size", scope: .producer, defaultValue: "1000000",
            allowed: "an integer number of bytes in 1–2147483647", summary: "librdkafka batch.size."),
        .init(
            "kafka.acks", scope: .producer, defaultValue: "all",
            allowed: "one of all, -1 (idempotence requires all)", summary: "librdkafka acks."),
        .init(
            "kafka.queue_max_messages", scope: .producer, defaultValue: "100000",
            allowed: "an integer in 1–10000000", summary: "librdkafka queue.buffering.max.messages."),
        .init(
            "kafka.enqueue_timeout_ms", scope: .producer, defaultValue: "1000",
            allowed: "an integer in 0–600000", summary: "How long produce waits on QUEUE_FULL before rejecting."),
        .init(
            "kafka.create_topics", scope: .producer, defaultValue: "false",
            allowed: "a boolean (true/false, yes/no, on/off, 1/0)",
            summary: "Create the topic and DLQ topic at start when missing.",
            environmentAliases: ["KAFKATRACE_CREATE_TOPICS"]),
        .init(
            "kafka.topic_partitions", scope: .producer, defaultValue: "6",
            allowed: "an integer in 1–100000", summary: "Partitions when creating topics."),
        .init(
            "kafka.topic_replication", scope: .producer, defaultValue: "3",
            allowed: "an integer in 1–32767", summary: "Replication factor when creating topics."),
    ]

    // MARK: - Consumer

    static let consumer: [ConfigKeySpec] = [
        .init(
            "kafka.group_id", scope: .consumer, defaultValue: "order-processors",
            allowed: "a non-empty string", summary: "Consumer group id."),
        .init(
            "kafka.dlq_topic", scope: .consumer, defaultValue: "food-orders.dlq",
            allowed: "a Kafka topic name (1–249 of a-z A-Z 0-9 . _ -)", summary: "Dead-letter topic."),
        .init(
            "kafka.session_timeout_ms", scope: .consumer, defaultValue: "10000",
            allowed: "an integer in 1000–300000", summary: "librdkafka session.timeout.ms."),
        .init(
            "postgres.url", scope: .consumer, defaultValue: "postgresql://kafkatrace@127.0.0.1:5432/kafkatrace",
            allowed: "a libpq URI or keyword/value string",
            summary: "PostgreSQL connection (the password part is redacted in output).", isSecret: true),
        .init(
            "postgres.sslmode", scope: .consumer, defaultValue: "prefer",
            allowed: "one of disable, allow, prefer, require, verify-ca, verify-full",
            summary: "libpq sslmode (overrides one in the URL)."),
        .init(
            "consumer.batch_size", scope: .consumer, defaultValue: "500",
            allowed: "an integer in 1–50000", summary: "Most orders inserted per transaction."),
        .init(
            "consumer.batch_max_wait_ms", scope: .consumer, defaultValue: "50",
            allowed: "an integer in 1–60000", summary: "Longest wait to fill a batch."),
        .init(
            "consumer.breaker_failures", scope: .consumer, defaultValue: "5",
            allowed: "an integer in 1–1000000", summary: "Consecutive DB failures that open the circuit."),
        .init(
            "consumer.breaker_reset_ms", scope: .consumer, defaultValue: "5000",
            allowed: "an integer in 100–3600000", summary: "Open circuit waits this long before a trial."),
        .init(
            "consumer.join_grace_ms", scope: .consumer, defaultValue: "30000",
            allowed: "an integer in 0–3600000",
            summary: "A group join in progress shorter than this still counts as ready."),
    ]
}
