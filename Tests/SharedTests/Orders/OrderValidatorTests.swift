import Foundation
@testable import SharedJSON
@testable import SharedOrders
import Testing

@Suite struct OrderValidatorTests {
    static let now = OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_123)

    /// A valid order as JSON, with `patch` applied to its text.
    private func codes(_ patch: (String) -> String) -> [ValidationProblem.Code] {
        let text = patch(OrderCodecTests.example)
        do {
            _ = try OrderCodec.decode(Array(text.utf8))
            return []
        } catch {
            return error.problems.map(\.code)
        }
    }

    private func problems(_ draft: OrderDraft) -> [ValidationProblem] {
        OrderValidator().validate(draft)
    }

    private func item(_ q: JSONNumber = JSONNumber(1), _ p: JSONNumber = JSONNumber(cents: 100)) -> OrderDraft.Item {
        OrderDraft.Item(itemID: "ITEM-01", name: "X", quantity: q, unitPrice: p)
    }

    @Test func acceptsTheExample() {
        #expect(codes { $0 }.isEmpty)
    }

    @Test func eachReasonCodeHasACraftedInput() {
        #expect(codes { $0.replacingOccurrences(of: #""schema_version":1"#, with: #""schema_version":2"#) } == [.unknownSchemaVersion])
        #expect(codes { $0.replacingOccurrences(of: #""schema_version":1"#, with: #""schema_version":1.5"#) } == [.unknownSchemaVersion])
        #expect(codes { $0.replacingOccurrences(of: "ORD-20261123-00042-7K3QZ2XA", with: "ORD-2026-42") } == [.invalidOrderID])
        #expect(codes { $0.replacingOccurrences(of: "CUST-00017", with: "CUST-17") } == [.invalidCustomerID])
        #expect(codes {
            $0.replacingOccurrences(of: #"[{"item_id":"ITEM-03","name":"Margherita Pizza","quantity":2,"unit_price":12.50}]"#, with: "[]")
        } == [.noItems])
        #expect(codes { $0.replacingOccurrences(of: #""quantity":2"#, with: #""quantity":0"#) } == [.invalidQuantity])
        #expect(codes { $0.replacingOccurrences(of: #""quantity":2"#, with: #""quantity":2.5"#) } == [.invalidQuantity])
        #expect(codes { $0.replacingOccurrences(of: #""quantity":2"#, with: #""quantity":1001"#) } == [.invalidQuantity])
        #expect(codes { $0.replacingOccurrences(of: "12.50", with: "-12.50") } == [.invalidPrice])
        #expect(codes { $0.replacingOccurrences(of: "12.50", with: "0") } == [.invalidPrice])
        #expect(codes { $0.replacingOccurrences(of: "12.50", with: "100000.01") } == [.invalidPrice])
        #expect(codes { $0.replacingOccurrences(of: "25.00", with: "0.00") } == [.invalidTotal])
        #expect(codes { $0.replacingOccurrences(of: "25.00", with: "100000000.00") } == [.invalidTotal])
        #expect(codes { $0.replacingOccurrences(of: "25.00", with: "25.01") } == [.totalMismatch])
        #expect(codes { $0.replacingOccurrences(of: #""pending""#, with: #""shipped""#) } == [.invalidStatus])
        #expect(codes { $0.replacingOccurrences(of: #""pending""#, with: #""PENDING""#) } == [.invalidStatus])
        #expect(codes { $0.replacingOccurrences(of: "2026-11-23T09:30:00.123Z", with: "yesterday") } == [.invalidTimestamp])
        #expect(codes { $0.replacingOccurrences(of: "2026-11-23T09:30:00.123Z", with: "2026-02-30T09:30:00Z") } == [.invalidTimestamp])
    }

    @Test func tooManyItems() {
        let ok = (0..<50).map { _ in item() }
        #expect(problems(OrderDraft(customerID: "CUST-00001", items: ok, totalAmount: JSONNumber(cents: 5000))).isEmpty)
        let tooMany = (0..<51).map { _ in item() }
        let p = problems(OrderDraft(customerID: "CUST-00001", items: tooMany, totalAmount: JSONNumber(cents: 5100)))
        #expect(p.map(\.code) == [.tooManyItems])
        #expect(p.first?.field == "items")
    }

    @Test func reportsEveryProblemWithFieldsAndMessages() {
        let draft = OrderDraft(
            schemaVersion: JSONNumber(9), orderID: "nope", customerID: "C-1",
            items: [item(JSONNumber(0)), item(JSONNumber(1), JSONNumber(isNegative: false, significand: 1, exponent: -3))],
            totalAmount: JSONNumber(-5), status: "lost", createdAt: "now")
        let p = problems(draft)
        #expect(p.map(\.code) == [
            .unknownSchemaVersion, .invalidOrderID, .invalidCustomerID, .invalidQuantity, .invalidPrice, .invalidTotal,
            .invalidStatus, .invalidTimestamp,
        ])
        #expect(p.map(\.field) == [
            "schema_version", "order_id", "customer_id", "items[0].quantity", "items[1].unit_price", "total_amount",
            "status", "created_at",
        ])
        #expect(p[4].message.contains("more than 2 decimals"))
        #expect(p[2].message.contains("CUST-NNNNN"))
        #expect(p.allSatisfy { !$0.message.isEmpty })
    }

    @Test func patterns() {
        for ok in ["ORD-20261123-00042-7K3QZ2XA", "ORD-20261123-00042", "ORD-20261123-1234567890-ABCD",
                   "ORD-20261123-00001-ABCDEFGHIJKLMNOP"] {
            #expect(OrderValidator.isValidOrderID(ok), "\(ok)")
        }
        for bad in ["", "ORD-20261123-0042", "ORD-2026112-00042", "ord-20261123-00042", "ORD-20261123-00042-",
                    "ORD-20261123-00042-abc1", "ORD-20261123-00042-ABC", "ORD-20261123-00042-ABCDEFGHIJKLMNOPQ",
                    "ORD-20261123-00042-AB-CD", "ORD-20261123-0004２", "ORD-20261123_00042", " ORD-20261123-00042"] {
            #expect(!OrderValidator.isValidOrderID(bad), "\(bad)")
        }
        #expect(OrderValidator.isValidCustomerID("CUST-00017"))
        for bad in ["CUST-0017", "CUST-000170", "cust-00017", "CUST-0001a", "CUST 00017"] {
            #expect(!OrderValidator.isValidCustomerID(bad), "\(bad)")
        }
        #expect(OrderValidator.isValidInstanceID("7K3QZ2XA"))
        #expect(!OrderValidator.isValidInstanceID("abc1"))
        #expect(!OrderValidator.isValidInstanceID("ABC"))
    }

    @Test func submissionFillsIDTimeStatusAndVersion() throws {
        let ids = try OrderIDGenerator(instanceID: "HTTP01")
        let draft = OrderDraft(customerID: "CUST-00005", items: [item(JSONNumber(2), JSONNumber(cents: 350))],
                               totalAmount: JSONNumber(cents: 700))
        let order = try OrderValidator().makeOrder(from: draft, orderID: { ids.next(at: $0) }, now: { Self.now })
        #expect(order.orderID == "ORD-20261123-00001-HTTP01")
        #expect(order.createdAt == Self.now)
        #expect(order.status == .pending)
        #expect(order.schemaVersion == 1)
        #expect(order.totalCents == 700)
        #expect(OrderValidator().validate(order).isEmpty)
    }

    @Test func callerSuppliedOrderIDAndFieldsAreKept() throws {
        var draft = OrderDraft(customerID: "CUST-00005", items: [item()], totalAmount: JSONNumber(cents: 100))
        draft.orderID = "ORD-20250101-99999-MINE"
        draft.status = "confirmed"
        draft.createdAt = "2025-01-01T12:00:00+02:00"
        let order = try OrderValidator().makeOrder(
            from: draft, orderID: { _ in Issue.record("id generated"); return "" }, now: { Self.now })
        #expect(order.orderID == "ORD-20250101-99999-MINE")
        #expect(order.status == .confirmed)
        #expect(order.createdAt.description == "2025-01-01T10:00:00.000Z")
    }

    @Test func makeOrderThrowsEveryProblem() {
        let draft = OrderDraft(customerID: "X", items: [], totalAmount: JSONNumber(0))
        do {
            _ = try OrderValidator().makeOrder(from: draft, orderID: { _ in "" }, now: { Self.now })
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.code) == [.invalidCustomerID, .noItems, .invalidTotal])
            #expect(error.code == .invalidCustomerID)
        }
    }

    @Test func typedOrderValidation() {
        var order = Order(orderID: "ORD-20261123-00001-ABCD", customerID: "CUST-00001",
                          items: [OrderItem(itemID: "ITEM-01", name: "A", quantity: 2, unitPriceCents: 150)],
                          totalCents: 300, createdAt: Self.now)
        #expect(OrderValidator().validate(order).isEmpty)
        order.totalCents = 301
        #expect(OrderValidator().validate(order).map(\.code) == [.totalMismatch])
        order.totalCents = 300
        order.createdAt = OrderTimestamp(millisecondsSinceEpoch: OrderTimestamp.maxMilliseconds + 1)
        #expect(OrderValidator().validate(order).map(\.code) == [.invalidTimestamp])
    }

    @Test func itemTextMustBePrintableAndBounded() {
        for (id, name) in [("", "A"), ("ITEM-01", ""), ("ITEM-01", "nul\u{0}"), ("ITEM\n01", "A"),
                           ("ITEM-01", String(repeating: "x", count: 201))] {
            let draft = OrderDraft(customerID: "CUST-00001",
                                   items: [OrderDraft.Item(itemID: id, name: name, quantity: JSONNumber(1), unitPrice: JSONNumber(1))],
                                   totalAmount: JSONNumber(1))
            #expect(problems(draft).map(\.code) == [.wrongType], "\(id) \(name)")
        }
        let ok = OrderDraft(customerID: "CUST-00001",
                            items: [OrderDraft.Item(itemID: "X", name: String(repeating: "é", count: 100), quantity: JSONNumber(1),
                                                    unitPrice: JSONNumber(1))],
                            totalAmount: JSONNumber(1))
        #expect(problems(ok).isEmpty)
    }
}
