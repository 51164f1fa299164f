/// Encodes `order.created` events for Kafka into buffers it keeps and reuses: the key (the
/// customer id), the value (`OrderCodec` JSON) and the contract headers (`OrderHeaders`).
///
/// The hot path of the producer: after the first event, `encode` allocates nothing as long as
/// the caller has let go of the previous event's buffers (librdkafka copies them on produce, so
/// they are free again once the produce call returns). One encoder per task; not shared.
public struct OrderEventEncoder: Sendable {
    /// The event's Kafka key: the customer id as UTF-8.
    public private(set) var key: [UInt8] = []
    /// The event's Kafka headers, in contract order (`OrderHeaders.make`), `traceparent` last.
    public private(set) var headers: [(String, [UInt8])]
    /// Room for the encoder's one reservation (`OrderCodec.maximumCount(of:)`, which bounds every
    /// string as if each byte were escaped) of a 5-line order with names of 20 characters, so that
    /// a fresh encoder (one an HTTP order) does not grow.
    static let initialCapacity = 2048
    private var writer = JSONByteWriter(capacity: initialCapacity)

    public init() {
        headers = OrderHeaders.eventHeaders(traceParentValue: [])
    }

    /// The event's value: the order as contract JSON.
    public var value: [UInt8] { writer.bytes }

    /// Makes `key`, `value` and `headers` the event of `order` with `traceParent`.
    public mutating func encode(_ order: Order, traceParent: TraceParent) {
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: order.customerID.utf8)
        writer.removeAll()
        OrderCodec.encode(order, into: &writer)
        let last = headers.count - 1
        traceParent.writeHeaderValue(into: &headers[last].1)
    }
}
