/// One line of an order: a menu item, how many, and the price of one.
public struct OrderItem: Sendable, Hashable {
    /// Menu item id, e.g. `ITEM-03`.
    var itemID: String
    /// Display name, e.g. `Margherita Pizza`.
    public var name: String
    /// How many (1–1000 when valid).
    var quantity: Int64
    /// Price of one, in integer cents (`1250` = 12.50).
    var unitPriceCents: Int64

    init(itemID: String, name: String, quantity: Int64, unitPriceCents: Int64) {
        self.itemID = itemID
        self.name = name
        self.quantity = quantity
        self.unitPriceCents = unitPriceCents
    }

    /// `quantity × unitPriceCents`, or nil on overflow.
    var lineTotalCents: Int64? {
        let (v, overflow) = quantity.multipliedReportingOverflow(by: unitPriceCents)
        return overflow ? nil : v
    }
}
