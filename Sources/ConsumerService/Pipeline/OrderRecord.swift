import SharedKafka
import SharedOrders
import SharedPostgres

/// A valid order and the Kafka position it was read from: one row of `orders`.

struct OrderRecord: Sendable, Hashable {
    var order: Order
    var topic: String
    var partition: Int32
    var offset: Int64

    init(order: Order, topic: String, partition: Int32, offset: Int64) {
        self.order = order
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// The partition the order was read from.
    var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// The `items` column: the lines as a JSON array (contract field names, money with 2 decimals).
    var itemsJSON: String {
        var w = JSONByteWriter(capacity: OrderCodec.maximumCount(of: order.items))
        OrderCodec.encodeItems(order.items, into: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `total_amount` as numeric text, e.g. `25.00`.
    var totalText: String {
        var w = JSONByteWriter(capacity: JSONByteWriter.maximumNumberCount)
        w.cents(order.totalCents)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Appends this order as one COPY row in `OrderStore.columns` order: the same text as
    /// `columnValues`, written straight into the COPY buffer. `w` holds the items, total and
    /// timestamp text on the way; pass the same one row after row, so its buffer is reused.
    func appendCopyRow(to rows: inout PostgresCopyRows, scratch w: inout JSONByteWriter) {
        rows.text(order.orderID)
        rows.text(order.customerID)
        w.removeAll()
        OrderCodec.encodeItems(order.items, into: &w)
        let itemsEnd = w.bytes.count
        w.cents(order.totalCents)
        let totalEnd = w.bytes.count
        order.createdAt.write(to: &w)
        rows.text(utf8: w.bytes[..<itemsEnd])
        rows.text(utf8: w.bytes[itemsEnd..<totalEnd])
        rows.text(order.status.rawValue)
        rows.text(utf8: w.bytes[totalEnd...])
        rows.text(topic)
        rows.integer(partition)
        rows.integer(offset)
        rows.endRow()
    }

    /// The column values in `OrderStore.columns` order, as PostgreSQL text.
    var columnValues: [String?] {
        [
            order.orderID, order.customerID, itemsJSON, totalText, order.status.rawValue,
            order.createdAt.description, topic, String(partition), String(offset),
        ]
    }
}
