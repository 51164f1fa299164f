/// Cluster metadata as returned by `rd_kafka_metadata`.
public struct KafkaMetadata: Sendable {
    public struct Broker: Sendable, Hashable {
        public var id: Int32
        public var host: String
        public var port: Int32
    }

    public struct Partition: Sendable {
        public var id: Int32
        public var leader: Int32
        var replicas: [Int32]
        var inSyncReplicas: [Int32]
        public var error: KafkaErrorCode
    }

    public struct Topic: Sendable {
        public var name: String
        public var partitions: [Partition]
        public var error: KafkaErrorCode
    }

    public var brokers: [Broker]
    public var topics: [Topic]
    var originatingBrokerID: Int32

    /// The topic named `name`, if present.
    public func topic(_ name: String) -> Topic? { topics.first { $0.name == name } }
}
