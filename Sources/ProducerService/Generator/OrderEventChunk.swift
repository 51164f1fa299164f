import SharedOrders

/// A run of generated order events on their way from the generator's making side to its
/// publishing side (`OrderGeneratorService`). The encoders are reused chunk after chunk, so that
/// making an event allocates nothing once a chunk has grown to the events it carries.
struct OrderEventChunk: Sendable {
    /// At most this many events travel together.
    static let capacity = 128

    /// The encoders; only the first `count` hold events of this chunk.
    private var encoders: [OrderEventEncoder] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count >= Self.capacity }

    /// The events, in the order they were made.
    var events: ArraySlice<OrderEventEncoder> { encoders[..<count] }

    /// Encodes one more event into the next encoder.
    mutating func append(_ order: Order, traceParent: TraceParent) {
        if count == encoders.count { encoders.append(OrderEventEncoder()) }
        encoders[count].encode(order, traceParent: traceParent)
        count += 1
    }

    /// Empties the chunk, keeping its encoders for the next events.
    mutating func removeAll() { count = 0 }
}
