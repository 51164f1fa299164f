/// Typed producer settings rendered to librdkafka properties.
///
/// Defaults follow docs/CONTRACT.md: idempotence on, `acks=all`, lz4, linger 5 ms,
/// batch 1 MB, 100 000 queued messages, statistics every 5 s. `extraProperties` are passed
/// verbatim and override anything set here.
public struct KafkaProducerConfiguration: Sendable {
    public var bootstrapServers: String
    public var clientID: String = "kafkatrace-producer"
    public var compression: KafkaCompression = .lz4
    public var linger: Duration = .milliseconds(5)
    public var batchSizeBytes: Int = 1_000_000
    public var queueMaxMessages: Int = 100_000
    /// 0 turns statistics off.
    public var statisticsInterval: Duration = .seconds(5)
    /// How long librdkafka keeps retrying a message before a failed delivery report.
    public var messageTimeout: Duration = .seconds(300)
    public var extraProperties: [String: String] = [:]

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// The librdkafka property map.
    public var properties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "enable.idempotence": "true",
            "acks": "all",
            "compression.type": compression.rawValue,
            "linger.ms": String(RDKafkaClient.milliseconds(linger)),
            "batch.size": String(batchSizeBytes),
            "queue.buffering.max.messages": String(queueMaxMessages),
            "statistics.interval.ms": String(RDKafkaClient.milliseconds(statisticsInterval)),
            "message.timeout.ms": String(RDKafkaClient.milliseconds(messageTimeout)),
        ]
        result.merge(extraProperties) { _, extra in extra }
        return result
    }
}
