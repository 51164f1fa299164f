/// Makes random, valid orders: a random customer of `Customers`, 1–5 distinct menu items,
/// quantities 1–5, `total_amount` = sum of the lines, status `pending`, dated `now`.
///
/// The random source is passed in, so a seeded `SplitMix64` replays the same orders
/// (ids aside, which come from the shared, thread-safe `OrderIDGenerator`).
public struct OrderGenerator: Sendable {
    public let ids: OrderIDGenerator
    var maxLines: Int
    var maxQuantity: Int64

    public init(ids: OrderIDGenerator, maxLines: Int = 5, maxQuantity: Int64 = 5) {
        self.ids = ids
        precondition(Menu.items.count <= UInt64.bitWidth, "makeOrder marks taken dishes in a 64-bit set")
        self.maxLines = min(max(1, maxLines), Menu.items.count)
        self.maxQuantity = max(1, maxQuantity)
    }

    /// One new order dated `now`.
    public func makeOrder(at now: OrderTimestamp, using rng: inout some RandomNumberGenerator) -> Order {
        order(at: now, using: &rng)
    }

    /// One new order dated `now`, from the fast generator: the concrete overload, so that callers
    /// in other modules get the draws specialised and inlined, not through a generic witness.
    public func makeOrder(at now: OrderTimestamp, using rng: inout Xoshiro256StarStar) -> Order {
        order(at: now, using: &rng)
    }

    /// One new order dated now, from a generator seeded by the system.
    public func makeOrder() -> Order {
        var rng = SplitMix64()
        return makeOrder(at: .now(), using: &rng)
    }

    private func order(at now: OrderTimestamp, using rng: inout some RandomNumberGenerator) -> Order {
        let menu = Menu.items
        let lineCount = Int.random(in: 1...maxLines, using: &rng)
        // `lineCount` distinct dishes in random order: draw positions, redraw the ones taken
        // (a bit set, no allocation; at most 5 of 20 are taken, so redraws are rare).
        var taken: UInt64 = 0
        var items: [OrderItem] = []
        items.reserveCapacity(lineCount)
        var total: Int64 = 0
        while items.count < lineCount {
            let position = Int.random(in: 0..<menu.count, using: &rng)
            let bit: UInt64 = 1 << UInt64(position)
            if taken & bit != 0 { continue }
            taken |= bit
            let dish = menu[position]
            let quantity = Int64.random(in: 1...maxQuantity, using: &rng)
            items.append(OrderItem(itemID: dish.itemID, name: dish.name, quantity: quantity, unitPriceCents: dish.priceCents))
            total += quantity * dish.priceCents
        }
        let customer = Customers.ids[Int.random(in: 0..<Customers.count, using: &rng)]
        return Order(
            orderID: ids.next(at: now), customerID: customer, items: items, totalCents: total, status: .pending,
            createdAt: now)
    }
}
