import SharedJSON

/// An order as submitted, before validation: what `OrderCodec.decodeDraft` reads from an
/// HTTP body and what `OrderValidator` checks.
///
/// Structure is already known to be right (fields present with the right JSON types);
/// values are kept raw (numbers as exact decimals, status and timestamp as text) so every
/// rule is checked and reported in one place. On HTTP input `schema_version`, `order_id`,
/// `status` and `created_at` may be absent: `OrderValidator.makeOrder` fills them with 1, a
/// generated id, `pending` and now. A caller-supplied `order_id` is kept.
public struct OrderDraft: Sendable, Equatable {
    /// One submitted line.
    struct Item: Sendable, Equatable {
        var itemID: String
        public var name: String
        var quantity: JSONNumber
        var unitPrice: JSONNumber

        init(itemID: String, name: String, quantity: JSONNumber, unitPrice: JSONNumber) {
            self.itemID = itemID
            self.name = name
            self.quantity = quantity
            self.unitPrice = unitPrice
        }
    }

    var schemaVersion: JSONNumber?
    var orderID: String?
    var customerID: String
    var items: [Item]
    var totalAmount: JSONNumber
    var status: String?
    var createdAt: String?

    init(
        schemaVersion: JSONNumber? = nil, orderID: String? = nil, customerID: String, items: [Item],
        totalAmount: JSONNumber, status: String? = nil, createdAt: String? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.orderID = orderID
        self.customerID = customerID
        self.items = items
        self.totalAmount = totalAmount
        self.status = status
        self.createdAt = createdAt
    }

    /// The draft an existing order would have been submitted as (every field present).
    init(_ order: Order) {
        self.init(
            schemaVersion: JSONNumber(order.schemaVersion), orderID: order.orderID, customerID: order.customerID,
            items: order.items.map {
                Item(itemID: $0.itemID, name: $0.name, quantity: JSONNumber($0.quantity),
                     unitPrice: JSONNumber(cents: $0.unitPriceCents))
            },
            totalAmount: JSONNumber(cents: order.totalCents), status: order.status.rawValue,
            createdAt: order.createdAt.isRepresentable ? order.createdAt.description : "out of range")
    }
}
