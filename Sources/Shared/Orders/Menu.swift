/// The fixed menu the order generator picks from: 20 items, `ITEM-01`...`ITEM-20`,
/// priced between $2.00 and $15.00.
enum Menu {
    /// One dish on the menu.
    struct Item: Sendable, Hashable {
        var itemID: String
        public var name: String
        var priceCents: Int64
    }

    /// Every item, in id order.
    static let items: [Item] = {
        let dishes: [(String, Int64)] = [
            ("Margherita Pizza", 1250), ("Pepperoni Pizza", 1399), ("Cheeseburger", 1099),
            ("Veggie Burger", 1049), ("Chicken Caesar Salad", 949), ("Greek Salad", 875),
            ("Spaghetti Carbonara", 1325), ("Pad Thai", 1195), ("Chicken Tikka Masala", 1450),
            ("Beef Tacos", 899), ("Fish and Chips", 1275), ("Sushi Platter", 1500),
            ("Ramen", 1150), ("Falafel Wrap", 795), ("French Fries", 399),
            ("Onion Rings", 450), ("Garlic Bread", 350), ("Tiramisu", 650),
            ("Chocolate Brownie", 525), ("Lemonade", 200),
        ]
        return dishes.enumerated().map { i, dish in
            let n = i + 1
            return Item(itemID: n < 10 ? "ITEM-0\(n)" : "ITEM-\(n)", name: dish.0, priceCents: dish.1)
        }
    }()

    /// The item with `itemID`, if it is on the menu.
    static func item(id itemID: String) -> Item? {
        items.first { $0.itemID == itemID }
    }
}
