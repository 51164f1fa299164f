@testable import SharedOrders
import Testing

@Suite struct OrderGeneratorTests {
    static let now = OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_123)

    @Test func menuAndCustomersMatchTheSpec() {
        #expect(Menu.items.count == 20)
        #expect(Menu.items.map(\.itemID) == (1...20).map { $0 < 10 ? "ITEM-0\($0)" : "ITEM-\($0)" })
        #expect(Menu.items.allSatisfy { (200...1500).contains($0.priceCents) && !$0.name.isEmpty })
        #expect(Set(Menu.items.map(\.name)).count == 20)
        #expect(Menu.item(id: "ITEM-01")?.name == "Margherita Pizza")
        #expect(Menu.item(id: "ITEM-21") == nil)
        #expect(Customers.ids.count == 100)
        #expect(Customers.ids.first == "CUST-00001" && Customers.ids.last == "CUST-00100")
        #expect(Customers.ids.allSatisfy(OrderValidator.isValidCustomerID))
    }

    @Test func generatedOrdersAreValidAndWithinBounds() throws {
        var rng = SplitMix64(seed: 99)
        let gen = OrderGenerator(ids: try OrderIDGenerator(instanceID: "GEN1"))
        var lineCounts = Set<Int>(), quantities = Set<Int64>(), customers = Set<String>()
        for _ in 0..<3000 {
            let order = gen.makeOrder(at: Self.now, using: &rng)
            #expect(OrderValidator().validate(order).isEmpty)
            #expect((1...5).contains(order.items.count))
            #expect(Set(order.items.map(\.itemID)).count == order.items.count)
            #expect(order.status == .pending && order.createdAt == Self.now)
            #expect(order.totalCents == order.computedTotalCents)
            for item in order.items {
                #expect(Menu.item(id: item.itemID)?.priceCents == item.unitPriceCents)
                quantities.insert(item.quantity)
            }
            lineCounts.insert(order.items.count)
            customers.insert(order.customerID)
        }
        #expect(lineCounts == [1, 2, 3, 4, 5])
        #expect(quantities == [1, 2, 3, 4, 5])
        #expect(customers.count == 100)
    }

    @Test func sameSeedSameOrders() throws {
        let gen1 = OrderGenerator(ids: try OrderIDGenerator(instanceID: "SEED"))
        let gen2 = OrderGenerator(ids: try OrderIDGenerator(instanceID: "SEED"))
        var r1 = SplitMix64(seed: 123), r2 = SplitMix64(seed: 123)
        for _ in 0..<100 {
            #expect(gen1.makeOrder(at: Self.now, using: &r1) == gen2.makeOrder(at: Self.now, using: &r2))
        }
        var zero = SplitMix64(seed: 0), one = SplitMix64(seed: 1)
        #expect(zero.next() != one.next())
    }

    @Test func splitMix64KnownValue() {
        var rng = SplitMix64(seed: 1234567)
        // Reference values of the SplitMix64 reference implementation for seed 1234567.
        #expect(rng.next() == 6_457_827_717_110_365_317)
        #expect(rng.next() == 3_203_168_211_198_807_973)
    }
}
