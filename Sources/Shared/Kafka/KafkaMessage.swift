/// A message read by `KafkaConsumer`. Bytes are copied out of librdkafka.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// nil for a null value (a tombstone), which is not the same as an empty one.
    public var value: [UInt8]?
    /// Headers in wire order, packed (``KafkaHeaders``); names may repeat.
    public var packedHeaders: KafkaHeaders
    /// Headers in wire order, unpacked; names may repeat.
    public var headers: [(String, [UInt8])] {
        get { packedHeaders.all }
        set { packedHeaders = KafkaHeaders(newValue) }
    }
    /// Message timestamp in milliseconds since the epoch (create or log-append time), nil if absent.
    public var timestampMs: Int64?

    /// The partition this message came from.
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [(String, [UInt8])], timestampMs: Int64?
    ) {
        self.init(
            topic: topic, partition: partition, offset: offset, key: key, value: value,
            packedHeaders: KafkaHeaders(headers), timestampMs: timestampMs)
    }

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
        packedHeaders: KafkaHeaders, timestampMs: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.packedHeaders = packedHeaders
        self.timestampMs = timestampMs
    }

    /// The first header named `name`.
    public func header(_ name: String) -> [UInt8]? {
        packedHeaders.first(named: name)
    }
}
