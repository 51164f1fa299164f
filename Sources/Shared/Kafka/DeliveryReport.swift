/// The outcome of one `KafkaProducer.send`: exactly one per accepted message.
public struct DeliveryReport: Sendable {
    /// The id the caller passed to `send`.
    public var id: UInt64
    public var topic: String
    /// The partition written (or -1 when never assigned).
    public var partition: Int32
    /// The offset written (or -1001 when failed/unknown).
    public var offset: Int64
    /// nil when delivered; otherwise why delivery failed permanently.
    public var error: KafkaError?
    /// Time from enqueue to this report (`rd_kafka_message_latency`).
    public var latency: Duration

    var isDelivered: Bool { error == nil }

    public init(
        id: UInt64, topic: String, partition: Int32, offset: Int64, error: KafkaError?,
        latency: Duration
    ) {
        self.id = id
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.error = error
        self.latency = latency
    }
}
