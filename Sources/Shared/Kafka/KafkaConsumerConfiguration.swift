/// Typed consumer-group settings rendered to librdkafka properties.
///
/// Offsets are committed by the app only (`enable.auto.commit=false`,
/// `enable.auto.offset.store=false`); a new group starts at the earliest offset.
/// `extraProperties` are passed verbatim and override anything set here except the two
/// offset-commit properties.
public struct KafkaConsumerConfiguration: Sendable {
    public var bootstrapServers: String
    public var groupID: String
    public var clientID: String = "kafkatrace-consumer"
    public var sessionTimeout: Duration = .seconds(10)
    var autoOffsetReset: String = "earliest"
    /// 0 turns statistics off.
    public var statisticsInterval: Duration = .seconds(5)
    /// Messages buffered ahead of `poll`; above it every partition is paused (polling continues).
    public var bufferCapacity: Int = 10_000
    public var extraProperties: [String: String] = [:]

    public init(bootstrapServers: String, groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// The librdkafka property map.
    public var properties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "client.id": clientID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": autoOffsetReset,
            "session.timeout.ms": String(RDKafkaClient.milliseconds(sessionTimeout)),
            "statistics.interval.ms": String(RDKafkaClient.milliseconds(statisticsInterval)),
        ]
        result.merge(extraProperties) { _, extra in extra }
        // The app commits after processing; nothing may turn that off.
        result["enable.auto.commit"] = "false"
        result["enable.auto.offset.store"] = "false"
        return result
    }
}
