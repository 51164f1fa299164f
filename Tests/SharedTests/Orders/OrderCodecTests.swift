import Foundation
@testable import SharedJSON
@testable import SharedOrders
import Testing

@Suite struct OrderCodecTests {
    static let now = OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_123)

    static let example = #"""
        {"schema_version":1,"order_id":"ORD-20261123-00042-7K3QZ2XA","customer_id":"CUST-00017",
         "items":[{"item_id":"ITEM-03","name":"Margherita Pizza","quantity":2,"unit_price":12.50}],
         "total_amount":25.00,"status":"pending","created_at":"2026-11-23T09:30:00.123Z"}
        """#

    private func decodeError(_ text: String) -> OrderDecodingError? {
        do {
            _ = try OrderCodec.decode(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesTheContractExample() throws {
        let order = try OrderCodec.decode(Array(Self.example.utf8))
        #expect(order.orderID == "ORD-20261123-00042-7K3QZ2XA")
        #expect(order.customerID == "CUST-00017")
        #expect(order.items == [OrderItem(itemID: "ITEM-03", name: "Margherita Pizza", quantity: 2, unitPriceCents: 1250)])
        #expect(order.totalCents == 2500)
        #expect(order.status == .pending)
        #expect(order.createdAt == Self.now)
        #expect(order.schemaVersion == 1)
    }

    @Test func encodesTheExactContractShape() throws {
        let order = try OrderCodec.decode(Array(Self.example.utf8))
        let text = String(decoding: OrderCodec.encode(order), as: UTF8.self)
        #expect(text == #"{"schema_version":1,"order_id":"ORD-20261123-00042-7K3QZ2XA","customer_id":"CUST-00017","items":[{"item_id":"ITEM-03","name":"Margherita Pizza","quantity":2,"unit_price":12.50}],"total_amount":25.00,"status":"pending","created_at":"2026-11-23T09:30:00.123Z"}"#)
    }

    @Test func jsonSerializationSeesTheRightKeysAndTypes() throws {
        var rng = SplitMix64(seed: 1)
        let gen = OrderGenerator(ids: try OrderIDGenerator(instanceID: "SHAPE01"))
        for _ in 0..<50 {
            let order = gen.makeOrder(at: Self.now, using: &rng)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(OrderCodec.encode(order))) as? [String: Any])
            #expect(Set(object.keys) == ["schema_version", "order_id", "customer_id", "items", "total_amount", "status", "created_at"])
            #expect(object["schema_version"] as? Int == 1)
            #expect(object["order_id"] as? String == order.orderID)
            #expect(object["customer_id"] as? String == order.customerID)
            #expect(object["status"] as? String == "pending")
            #expect(object["created_at"] as? String == "2026-11-23T09:30:00.123Z")
            let total = try #require(object["total_amount"] as? NSNumber)
            #expect(Int64((total.doubleValue * 100).rounded()) == order.totalCents)
            let items = try #require(object["items"] as? [[String: Any]])
            #expect(items.count == order.items.count)
            for (line, item) in zip(items, order.items) {
                #expect(Set(line.keys) == ["item_id", "name", "quantity", "unit_price"])
                #expect(line["item_id"] as? String == item.itemID)
                #expect(line["name"] as? String == item.name)
                #expect(line["quantity"] as? Int == Int(item.quantity))
                let price = try #require(line["unit_price"] as? NSNumber)
                #expect(Int64((price.doubleValue * 100).rounded()) == item.unitPriceCents)
            }
        }
    }

    @Test func roundTripsManyGeneratedOrders() throws {
        var rng = SplitMix64(seed: 2026)
        let gen = OrderGenerator(ids: try OrderIDGenerator(instanceID: "ROUNDTRIP"))
        for i in 0..<3000 {
            let at = OrderTimestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(i) * 997)
            let order = gen.makeOrder(at: at, using: &rng)
            let decoded = try OrderCodec.decode(OrderCodec.encode(order))
            #expect(decoded == order)
        }
    }

    @Test func escapesStringsAndRoundTripsThem() throws {
        let printable = Order(
            orderID: "ORD-20261123-00001-ABCD", customerID: "CUST-00001",
            items: [OrderItem(itemID: "ITEM-\"1\"", name: "Caf\u{E9} \\ \"Spezial\" 中 😀 </b>", quantity: 1, unitPriceCents: 1)],
            totalCents: 1, createdAt: Self.now)
        #expect(try OrderCodec.decode(OrderCodec.encode(printable)) == printable)
        let tricky = "Quote \" back\\slash \n\r\t\u{8}\u{C} nul\u{0} esc\u{1B} del\u{7F} é 中 😀 </script>"
        let order = Order(
            orderID: "ORD-20261123-00001-ABCD", customerID: "CUST-00001",
            items: [OrderItem(itemID: "ITEM-\u{1}", name: tricky, quantity: 1, unitPriceCents: 1)],
            totalCents: 1, createdAt: Self.now)
        let bytes = OrderCodec.encode(order)
        #expect(!bytes.contains { $0 < 0x20 })  // every control character escaped
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#"\u0000"#) && text.contains(#"\u001b"#) && text.contains(#"\""#) && text.contains(#"\\"#))
        // The validator refuses control characters in names, so compare the structural decode.
        #expect(try OrderCodec.decodeDraft(bytes, presence: .event) == OrderDraft(order))
        let fromFoundation = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        let items = fromFoundation?["items"] as? [[String: Any]]
        #expect(items?.first?["name"] as? String == tricky)
    }

    @Test func moneyParsesToExactCents() throws {
        for (price, total) in [("12.5", "25"), ("12.50", "25.00"), ("1250e-2", "2.5e1"), ("0.125e2", "2500E-2")] {
            let text = #"{"schema_version":1,"order_id":"ORD-20261123-00042","customer_id":"CUST-00017","items":[{"item_id":"ITEM-03","name":"P","quantity":2,"unit_price":\#(price)}],"total_amount":\#(total),"status":"pending","created_at":"2026-11-23T09:30:00.123Z"}"#
            let order = try OrderCodec.decode(Array(text.utf8))
            #expect(order.items[0].unitPriceCents == 1250, "\(price)")
            #expect(order.totalCents == 2500, "\(total)")
        }
    }

    @Test func moreThanTwoDecimalsIsInvalidPriceOrTotal() {
        let price = Self.example.replacingOccurrences(of: "12.50", with: "12.505")
        #expect(decodeError(price)?.problems.map(\.code) == [.invalidPrice])
        #expect(decodeError(price)?.problems.first?.field == "items[0].unit_price")
        let total = Self.example.replacingOccurrences(of: "25.00", with: "25.001")
        #expect(decodeError(total)?.problems.map(\.code) == [.invalidTotal])
        let huge = Self.example.replacingOccurrences(of: "25.00", with: "1e400")
        #expect(decodeError(huge)?.code == .invalidTotal)
    }

    @Test func distinguishesNotJSONMissingFieldAndWrongType() {
        #expect(decodeError("{not json")?.code == .invalidJSON)
        #expect(decodeError(String(Self.example.dropLast(3)))?.code == .invalidJSON)
        #expect(decodeError("[1,2]") == .wrongType(field: "(order)", expected: "object", actual: "array"))

        let noCustomer = Self.example.replacingOccurrences(of: #""customer_id":"CUST-00017","#, with: "")
        #expect(decodeError(noCustomer) == .missingFields(["customer_id"]))
        let nullStatus = Self.example.replacingOccurrences(of: #""pending""#, with: "null")
        #expect(decodeError(nullStatus) == .missingFields(["status"]))
        let noQuantity = Self.example.replacingOccurrences(of: #""quantity":2,"#, with: "")
        #expect(decodeError(noQuantity) == .missingFields(["items[0].quantity"]))

        let stringTotal = Self.example.replacingOccurrences(of: "25.00", with: #""25.00""#)
        #expect(decodeError(stringTotal) == .wrongType(field: "total_amount", expected: "number", actual: "string"))
        let numberCustomer = Self.example.replacingOccurrences(of: #""CUST-00017""#, with: "17")
        #expect(decodeError(numberCustomer) == .wrongType(field: "customer_id", expected: "string", actual: "number"))
        let objectItems = Self.example.replacingOccurrences(of: #""items":["#, with: #""items":{"x":"#)
            .replacingOccurrences(of: "}],", with: "}},")
        #expect(decodeError(objectItems) == .wrongType(field: "items", expected: "array", actual: "object"))
        let badLine = Self.example.replacingOccurrences(of: #""items":[{"#, with: #""items":["x",{"#)
        #expect(decodeError(badLine) == .wrongType(field: "items[0]", expected: "object", actual: "string"))
        let boolQuantity = Self.example.replacingOccurrences(of: #""quantity":2"#, with: #""quantity":true"#)
        #expect(decodeError(boolQuantity)?.code == .wrongType)
        #expect(decodeError(boolQuantity)?.problems.first?.field == "items[0].quantity")
    }

    /// Every missing field is reported at once, the order's and every line's, in document order.
    @Test func reportsEveryMissingField() {
        let several = #"{"schema_version":1,"order_id":"ORD-20261123-00042","items":[{"item_id":"ITEM-03","quantity":2},{"name":"x","unit_price":1}],"created_at":"2026-11-23T09:30:00.123Z"}"#
        let error = decodeError(several)
        #expect(error == .missingFields([
            "customer_id", "total_amount", "status", "items[0].name", "items[0].unit_price", "items[1].item_id",
            "items[1].quantity",
        ]))
        #expect(error?.code == .missingField)
        #expect(error?.problems.count == 7)
        #expect(error?.description.contains("required field items[1].quantity is missing") == true)
    }

    @Test func missingBeatsWrongTypeBeatsValidation() {
        // customer_id wrong type AND total missing: missing is reported.
        let both = Self.example.replacingOccurrences(of: #""CUST-00017""#, with: "17")
            .replacingOccurrences(of: #""total_amount":25.00,"#, with: "")
        #expect(decodeError(both) == .missingFields(["total_amount"]))
        // wrong type AND an invalid status: wrong type is reported.
        let typed = Self.example.replacingOccurrences(of: #""CUST-00017""#, with: "17")
            .replacingOccurrences(of: #""pending""#, with: #""lost""#)
        #expect(decodeError(typed)?.code == .wrongType)
    }

    @Test func unknownKeysAreIgnoredAndDuplicatesRejected() throws {
        let extra = Self.example.replacingOccurrences(of: #"{"schema_version":1,"#, with: #"{"note":{"x":[1]},"schema_version":1,"#)
        #expect(try OrderCodec.decode(Array(extra.utf8)).customerID == "CUST-00017")
        let dup = Self.example.replacingOccurrences(of: #""status":"pending","#, with: #""status":"pending","status":"cancelled","#)
        guard case .invalidJSON(let e) = decodeError(dup) else { Issue.record("duplicate accepted"); return }
        #expect(e.kind == .duplicateKey("status"))
    }

    @Test func eventDecodingRequiresTheEnvelopeSubmissionDoesNot() throws {
        let minimal = #"{"customer_id":"CUST-00003","items":[{"item_id":"ITEM-01","name":"A","quantity":3,"unit_price":2}],"total_amount":6}"#
        #expect(decodeError(minimal) == .missingFields(["schema_version", "order_id", "status", "created_at"]))
        let draft = try OrderCodec.decodeDraft(Array(minimal.utf8), presence: .submission)
        #expect(draft.orderID == nil && draft.status == nil && draft.createdAt == nil && draft.schemaVersion == nil)
        #expect(draft.totalAmount.scaled(decimals: 2) == 600)
    }

    @Test func encodeArrayIsAJSONArrayOfOrders() throws {
        var rng = SplitMix64(seed: 3)
        let gen = OrderGenerator(ids: try OrderIDGenerator(instanceID: "ARRAY"))
        let orders = (0..<5).map { _ in gen.makeOrder(at: Self.now, using: &rng) }
        let entries = try OrderCodec.decodeBatch(OrderCodec.encodeArray(orders), presence: .event)
        let drafts = try entries.map { try $0.result.get() }
        #expect(drafts == orders.map(OrderDraft.init))
    }
}

extension OrderCodecTests {
    /// The seed corpus in `Fuzz/corpus/order/` behaves as its file names say: `valid_*` decodes,
    /// `batch_*` splits with some bad entries, every other name starts with its reason code.
    @Test func fuzzCorpusDecodesAsNamed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Fuzz/corpus/order")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count >= 20 && names.count <= 40)
        let ids = try OrderIDGenerator(instanceID: "CORPUS")
        for name in names {
            let bytes = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
            if name.hasPrefix("valid_submission") {
                let draft = try OrderCodec.decodeDraft(bytes)
                #expect(throws: Never.self, "\(name)") { try OrderValidator().makeOrder(from: draft, generator: ids) }
            } else if name.hasPrefix("valid_") {
                #expect(throws: Never.self, "\(name)") { try OrderCodec.decode(bytes) }
            } else if name.hasPrefix("batch_") {
                let entries = try OrderCodec.decodeBatch(bytes)
                let bad = entries.filter { entry in
                    guard case .success(let draft) = entry.result else { return true }
                    return !OrderValidator().validate(draft).isEmpty
                }
                #expect(entries.count >= 3 && !bad.isEmpty && bad.count < entries.count, "\(name)")
            } else {
                let expected = ValidationProblem.Code.allCases.filter { name.hasPrefix($0.rawValue) }
                    .max { $0.rawValue.count < $1.rawValue.count }
                let code = try #require(expected, "\(name) does not start with a reason code")
                do {
                    _ = try OrderCodec.decode(bytes)
                    Issue.record("\(name) decoded")
                } catch {
                    #expect(error.code == code, "\(name): \(error)")
                }
            }
        }
    }
}
