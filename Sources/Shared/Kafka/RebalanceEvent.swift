/// A consumer-group rebalance step, reported by `KafkaConsumer.onRebalance`.
public struct RebalanceEvent: Sendable {
    public enum Kind: String, Sendable {
        /// Partitions were assigned to us.
        case assign
        /// Partitions were revoked in an orderly rebalance (we may still commit).
        case revoke
        /// Partitions were lost (session timed out); commits for them will fail.
        case lost
    }

    public var kind: Kind
    public var partitions: [TopicPartition]

    public init(kind: Kind, partitions: [TopicPartition]) {
        self.kind = kind
        self.partitions = partitions
    }
}
