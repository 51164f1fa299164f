@testable import SharedOrders
import Testing

@Suite struct OrderIDGeneratorTests {
    static let now = OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_123)

    @Test func formatsDateCounterAndInstance() throws {
        let ids = try OrderIDGenerator(instanceID: "7K3QZ2XA")
        #expect(ids.next(at: Self.now) == "ORD-20261123-00001-7K3QZ2XA")
        #expect(ids.next(at: Self.now) == "ORD-20261123-00002-7K3QZ2XA")
        #expect(ids.issuedCount == 2)
        let big = try OrderIDGenerator(instanceID: "WIDE", firstNumber: 123_456)
        #expect(big.next(at: OrderTimestamp(millisecondsSinceEpoch: 0)) == "ORD-19700101-123456-WIDE")
    }

    @Test func rejectsBadInstanceIDs() {
        for bad in ["", "abc", "abcd", "ABC", "ABCDEFGHIJKLMNOPQ", "AB-CD", "ÄBCD"] {
            #expect(throws: OrderError.invalidInstanceID(bad)) { try OrderIDGenerator(instanceID: bad) }
        }
    }

    @Test func randomInstanceIDsMatchThePattern() {
        var rng = SplitMix64(seed: 5)
        var seen = Set<String>()
        for _ in 0..<200 {
            let id = OrderIDGenerator.makeInstanceID(using: &rng)
            #expect(id.utf8.count == 8)
            #expect(OrderValidator.isValidInstanceID(id))
            seen.insert(id)
        }
        #expect(seen.count == 200)
        #expect(OrderValidator.isValidInstanceID(OrderIDGenerator().instanceID))
    }

    @Test func uniqueAcrossTwoGeneratorsAndThreads() async throws {
        let a = try OrderIDGenerator(instanceID: "REPLICAA")
        let b = try OrderIDGenerator(instanceID: "REPLICAB")
        let perTask = 2000
        let all = await withTaskGroup(of: [String].self) { group in
            for gen in [a, b, a, b] {
                group.addTask { (0..<perTask).map { _ in gen.next(at: Self.now) } }
            }
            var out: [String] = []
            for await chunk in group { out += chunk }
            return out
        }
        #expect(all.count == 4 * perTask)
        #expect(Set(all).count == all.count)
        #expect(all.allSatisfy(OrderValidator.isValidOrderID))
        #expect(a.issuedCount == UInt64(2 * perTask))
        // Both restart at 1: the instance id alone keeps them apart.
        #expect(all.contains("ORD-20261123-00001-REPLICAA") && all.contains("ORD-20261123-00001-REPLICAB"))
    }
}
