/// A food order: the `order.created` event (schema version 1) of `docs/CONTRACT.md`.
///
/// Money is integer cents; `OrderCodec` writes it as a JSON number with two decimals.
/// An `Order` is a plain value: build one, then check it with `OrderValidator`
/// (`OrderCodec.decode` and `OrderGenerator` only ever hand out valid ones).
public struct Order: Sendable, Hashable {
    /// The only schema version this code writes and accepts.
    public static let currentSchemaVersion: Int64 = 1

    var schemaVersion: Int64
    /// `ORD-YYYYMMDD-NNNNN-<INSTANCE>`, see `OrderIDGenerator`.
    public var orderID: String
    /// `CUST-NNNNN`; also the Kafka message key.
    public var customerID: String
    public var items: [OrderItem]
    /// Sum of the lines, in integer cents.
    public var totalCents: Int64
    public var status: OrderStatus
    public var createdAt: OrderTimestamp

    public init(
        schemaVersion: Int64 = Order.currentSchemaVersion, orderID: String, customerID: String,
        items: [OrderItem], totalCents: Int64, status: OrderStatus = .pending, createdAt: OrderTimestamp
    ) {
        self.schemaVersion = schemaVersion
        self.orderID = orderID
        self.customerID = customerID
        self.items = items
        self.totalCents = totalCents
        self.status = status
        self.createdAt = createdAt
    }

    /// The sum of `quantity × unit price` over the lines, or nil on overflow.
    var computedTotalCents: Int64? {
        var sum: Int64 = 0
        for item in items {
            guard let line = item.lineTotalCents else { return nil }
            let (s, overflow) = sum.addingReportingOverflow(line)
            if overflow { return nil }
            sum = s
        }
        return sum
    }

    /// The Kafka message key: the customer id as UTF-8.
    public var kafkaKey: [UInt8] { Array(customerID.utf8) }
}
