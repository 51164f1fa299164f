import SharedJSON

/// Checks orders against the contract's rules and reports every problem found, each with a
/// contract reason code, the JSON path of the field and a message.
///
/// Rules: `schema_version` 1; `order_id` matches `^ORD-[0-9]{8}-[0-9]{5,}(-[A-Z0-9]{4,16})?$`;
/// `customer_id` matches `^CUST-[0-9]{5}$`; 1...`maxItems` lines; each quantity an integer in
/// 1...`maxQuantity`; each unit price in 0.01...`maxUnitPriceCents` with at most 2 decimals;
/// `total_amount` in 0.01...`maxTotalCents` with at most 2 decimals and equal to the sum of the
/// lines; status one of `OrderStatus`; `created_at` RFC 3339. Line `item_id` and `name` must be
/// 1–200 bytes of text without control characters; the contract has no code for that, so it is
/// reported as `wrong_type`.
public struct OrderValidator: Sendable {
    /// Most lines accepted (generated orders have at most 5).
    var maxItems: Int
    /// Largest quantity on one line.
    var maxQuantity: Int64
    /// Largest unit price, in cents (100000.00).
    var maxUnitPriceCents: Int64
    /// Largest total, in cents: 99,999,999.99, what PostgreSQL `numeric(10,2)` can store.
    var maxTotalCents: Int64

    public init(
        maxItems: Int = 50, maxQuantity: Int64 = 1000, maxUnitPriceCents: Int64 = 10_000_000,
        maxTotalCents: Int64 = 9_999_999_999
    ) {
        self.maxItems = maxItems
        self.maxQuantity = maxQuantity
        self.maxUnitPriceCents = maxUnitPriceCents
        self.maxTotalCents = maxTotalCents
    }

    /// Every problem with `order`; empty when valid.
    public func validate(_ order: Order) -> [ValidationProblem] {
        evaluate(OrderDraft(order), orderID: { _ in "" }, now: { OrderTimestamp(millisecondsSinceEpoch: 0) }).problems
    }

    /// Every problem with the fields `draft` has; absent optional fields are not problems.
    public func validate(_ draft: OrderDraft) -> [ValidationProblem] {
        evaluate(draft, orderID: { _ in "" }, now: { OrderTimestamp(millisecondsSinceEpoch: 0) }).problems
    }

    /// Validates `draft` and turns it into an order, filling absent fields: schema version 1,
    /// `created_at` = `now()`, status `pending`, `order_id` = `orderID(createdAt)`.
    /// Throws `.invalid` with every problem found.
    public func makeOrder(
        from draft: OrderDraft, orderID: (OrderTimestamp) -> String, now: () -> OrderTimestamp
    ) throws(OrderDecodingError) -> Order {
        let (problems, order) = evaluate(draft, orderID: orderID, now: now)
        guard problems.isEmpty, let order else { throw .invalid(problems) }
        return order
    }

    /// `makeOrder(from:orderID:now:)` with ids from `generator` and the wall clock.
    public func makeOrder(from draft: OrderDraft, generator: OrderIDGenerator) throws(OrderDecodingError) -> Order {
        try makeOrder(from: draft, orderID: { generator.next(at: $0) }, now: { OrderTimestamp.now() })
    }

    // MARK: - Rules

    private func evaluate(
        _ d: OrderDraft, orderID makeID: (OrderTimestamp) -> String, now: () -> OrderTimestamp
    ) -> (problems: [ValidationProblem], order: Order?) {
        var problems: [ValidationProblem] = []

        if let v = d.schemaVersion, v.int64Value != Order.currentSchemaVersion {
            problems.append(.init(.unknownSchemaVersion, field: "schema_version",
                                  "schema_version \(v) is not supported; allowed: \(Order.currentSchemaVersion)"))
        }
        if let id = d.orderID, !Self.isValidOrderID(id) {
            problems.append(.init(.invalidOrderID, field: "order_id",
                                  "order_id \"\(id.prefix(80))\" does not match ORD-YYYYMMDD-NNNNN[-INSTANCE]"))
        }
        if !Self.isValidCustomerID(d.customerID) {
            problems.append(.init(.invalidCustomerID, field: "customer_id",
                                  "customer_id \"\(d.customerID.prefix(80))\" does not match CUST-NNNNN (5 digits)"))
        }

        var items: [OrderItem] = []
        var linesValid = true
        if d.items.isEmpty {
            linesValid = false
            problems.append(.init(.noItems, field: "items", "items is empty; an order needs 1 to \(maxItems) lines"))
        } else if d.items.count > maxItems {
            linesValid = false
            problems.append(.init(.tooManyItems, field: "items",
                                  "items has \(d.items.count) lines; at most \(maxItems) allowed"))
        } else {
            items.reserveCapacity(d.items.count)
            for (i, line) in d.items.enumerated() {
                if !Self.isPlainText(line.itemID) || !Self.isPlainText(line.name) {
                    for (key, text) in [("item_id", line.itemID), ("name", line.name)] where !Self.isPlainText(text) {
                        problems.append(.init(.wrongType, field: "items[\(i)].\(key)",
                                              "\(key) must be 1 to \(Self.maxTextBytes) bytes of text without control characters"))
                    }
                    linesValid = false
                }
                var q = line.quantity.int64Value
                if let value = q, value < 1 || value > maxQuantity { q = nil }
                if q == nil {
                    linesValid = false
                    problems.append(.init(.invalidQuantity, field: "items[\(i)].quantity",
                                          "quantity \(line.quantity) must be a whole number from 1 to \(maxQuantity)"))
                }
                let price = money(line.unitPrice, field: "items[\(i)].unit_price", code: .invalidPrice,
                                  max: maxUnitPriceCents, into: &problems)
                if let q, let price, linesValid {
                    items.append(OrderItem(itemID: line.itemID, name: line.name, quantity: q, unitPriceCents: price))
                } else {
                    linesValid = false
                }
            }
        }

        let total = money(d.totalAmount, field: "total_amount", code: .invalidTotal, max: maxTotalCents,
                          into: &problems)
        var computed: Int64? = nil
        if linesValid {
            // Bounded by maxItems × maxQuantity × maxUnitPriceCents, far below Int64.max.
            computed = items.reduce(0) { $0 + $1.quantity * $1.unitPriceCents }
        }
        if let total, let computed, total != computed {
            problems.append(.init(.totalMismatch, field: "total_amount",
                                  "total_amount \(Self.formatCents(total)) is not the sum of the lines \(Self.formatCents(computed))"))
        }

        var status = OrderStatus.pending
        if let s = d.status {
            if let known = OrderStatus(rawValue: s) {
                status = known
            } else {
                problems.append(.init(.invalidStatus, field: "status",
                                      "status \"\(s.prefix(40))\" is not one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        var createdAt: OrderTimestamp? = nil
        if let text = d.createdAt {
            createdAt = OrderTimestamp(rfc3339: text)
            if createdAt == nil {
                problems.append(.init(.invalidTimestamp, field: "created_at",
                                      "created_at \"\(text.prefix(40))\" is not an RFC 3339 date-time like 2026-11-23T09:30:00.123Z"))
            }
        }

        guard problems.isEmpty, let total else { return (problems, nil) }
        let stamp = createdAt ?? now()
        let order = Order(
            schemaVersion: Order.currentSchemaVersion, orderID: d.orderID ?? makeID(stamp), customerID: d.customerID,
            items: items, totalCents: total, status: status, createdAt: stamp)
        return (problems, order)
    }

    /// Cents in 1...max with at most 2 decimals, else a problem.
    private func money(
        _ n: JSONNumber, field makeField: @autoclosure () -> String, code: ValidationProblem.Code, max: Int64,
        into problems: inout [ValidationProblem]
    ) -> Int64? {
        if let cents = n.scaled(decimals: 2), cents >= 1, cents <= max { return cents }  // fast path
        let field = makeField()
        guard let cents = n.scaled(decimals: 2) else {
            let why = n.isExact && n.exponent < -2 ? "has more than 2 decimals" : "is out of range"
            problems.append(.init(code, field: field, "\(field) \(n) \(why); allowed 0.01 to \(Self.formatCents(max))"))
            return nil
        }
        guard cents >= 1, cents <= max else {
            problems.append(.init(code, field: field,
                                  "\(field) \(Self.formatCents(cents)) is out of range; allowed 0.01 to \(Self.formatCents(max))"))
            return nil
        }
        return cents
    }

    private static func formatCents(_ cents: Int64) -> String {
        var w = JSONByteWriter(capacity: 24)
        w.cents(cents)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    // MARK: - Patterns (byte matchers, no regex on the hot path)

    /// `^ORD-[0-9]{8}-[0-9]{5,}(-[A-Z0-9]{4,16})?$`
    static func isValidOrderID(_ id: String) -> Bool {
        let b = Array(id.utf8)
        guard b.count >= 18, b[0] == UInt8(ascii: "O"), b[1] == UInt8(ascii: "R"), b[2] == UInt8(ascii: "D"),
            b[3] == UInt8(ascii: "-"), b[12] == UInt8(ascii: "-")
        else { return false }
        for i in 4..<12 where !isDigit(b[i]) { return false }
        var i = 13
        while i < b.count, isDigit(b[i]) { i += 1 }
        guard i - 13 >= 5 else { return false }
        if i == b.count { return true }
        guard b[i] == UInt8(ascii: "-") else { return false }
        return isInstanceID(b[(i + 1)...])
    }

    /// `^CUST-[0-9]{5}$`
    static func isValidCustomerID(_ id: String) -> Bool {
        let b = Array(id.utf8)
        guard b.count == 10, b[0] == UInt8(ascii: "C"), b[1] == UInt8(ascii: "U"), b[2] == UInt8(ascii: "S"),
            b[3] == UInt8(ascii: "T"), b[4] == UInt8(ascii: "-")
        else { return false }
        for i in 5..<10 where !isDigit(b[i]) { return false }
        return true
    }

    /// How many characters (A-Z, 0-9) a producer instance id has.
    public static let instanceIDLength = 4...16

    /// Whether `id` is `instanceIDLength` characters of A-Z and 0-9.
    public static func isValidInstanceID(_ id: String) -> Bool {
        isInstanceID(Array(id.utf8)[...])
    }

    private static func isInstanceID(_ b: ArraySlice<UInt8>) -> Bool {
        guard instanceIDLength.contains(b.count) else { return false }
        return b.allSatisfy { isDigit($0) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }
    }

    /// Longest `item_id` or `name` accepted, in UTF-8 bytes.
    static let maxTextBytes = 200

    /// 1...`maxTextBytes` UTF-8 bytes with no control characters (U+0000–U+001F, U+007F):
    /// PostgreSQL `jsonb` cannot store U+0000, and names are shown to people.
    static func isPlainText(_ text: String) -> Bool {
        var count = 0
        for b in text.utf8 {
            if b < 0x20 || b == 0x7F { return false }
            count += 1
        }
        return count >= 1 && count <= maxTextBytes
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
