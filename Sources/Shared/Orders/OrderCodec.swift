import SharedJSON

/// Encodes orders to the contract's JSON bytes and decodes them back, strictly.
///
/// Encoding is a hand-written byte writer (keys in contract order, money with two decimals,
/// `created_at` as RFC 3339 UTC milliseconds). Decoding runs `JSONParser` and reports, in this
/// order: `invalid_json`; every missing field (order and lines); the first `wrong_type`; then
/// every rule broken (`OrderValidator`). Unknown keys are ignored (forward compatible); `null` counts as
/// absent; duplicate keys are `invalid_json`.
public enum OrderCodec {
    /// Which fields must be present.
    public enum Presence: Sendable {
        /// A Kafka event: every field is required.
        case event
        /// An HTTP submission: `schema_version`, `order_id`, `status`, `created_at` are optional.
        case submission
    }

    // MARK: - Encoding

    /// The order as compact JSON bytes, e.g.
    /// `{"schema_version":1,"order_id":"ORD-…","customer_id":"CUST-00017","items":[…],"total_amount":25.00,"status":"pending","created_at":"2026-11-23T09:30:00.123Z"}`.
    public static func encode(_ order: Order) -> [UInt8] {
        var w = JSONByteWriter(capacity: maximumCount(of: order))
        encode(order, into: &w)
        return w.bytes
    }

    /// Appends the order's JSON to `w` (used by array encoding), in one reservation of
    /// `maximumCount(of:)` bytes: the producer's hot path.
    public static func encode(_ order: Order, into w: inout JSONByteWriter) {
        w.write(maximumCount: maximumCount(of: order)) { out in
            out.appendRaw("{\"schema_version\":")
            out.appendDecimal(signed: order.schemaVersion)
            out.appendRaw(",\"order_id\":")
            out.appendJSONString(order.orderID)
            out.appendRaw(",\"customer_id\":")
            out.appendJSONString(order.customerID)
            out.appendRaw(",\"items\":")
            appendItems(order.items, to: &out)
            out.appendRaw(",\"total_amount\":")
            out.appendCents(order.totalCents)
            out.appendRaw(",\"status\":\"")
            out.appendRaw(order.status.staticName)
            out.appendRaw("\",\"created_at\":\"")
            order.createdAt.write(to: &out)
            out.appendRaw("\"}")
        }
    }

    /// Appends the order lines as a JSON array (contract field names, money with 2 decimals);
    /// also the consumer's `items` column.
    public static func encodeItems(_ items: [OrderItem], into w: inout JSONByteWriter) {
        w.write(maximumCount: maximumCount(of: items)) { appendItems(items, to: &$0) }
    }

    private static func appendItems(_ items: [OrderItem], to out: inout OutputSpan<UInt8>) {
        out.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.appendRaw("{\"item_id\":")
            out.appendJSONString(item.itemID)
            out.appendRaw(",\"name\":")
            out.appendJSONString(item.name)
            out.appendRaw(",\"quantity\":")
            out.appendDecimal(signed: item.quantity)
            out.appendRaw(",\"unit_price\":")
            out.appendCents(item.unitPriceCents)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// An upper bound of the bytes `encode(_:into:)` writes: its fixed text (under 128 bytes,
    /// status included), three numbers, the timestamp, the strings and the lines.
    /// `JSONByteWriterTests` check it against extreme orders.
    public static func maximumCount(of order: Order) -> Int {
        128 + 3 * JSONByteWriter.maximumNumberCount + OrderTimestamp.maximumTextCount
            + JSONByteWriter.maximumCount(ofString: order.orderID)
            + JSONByteWriter.maximumCount(ofString: order.customerID)
            + maximumCount(of: order.items)
    }

    /// An upper bound of the bytes `encodeItems` writes: per line, its fixed text (under 64
    /// bytes, separator included), two numbers and two strings.
    public static func maximumCount(of items: [OrderItem]) -> Int {
        var count = 2
        for item in items {
            count += 64 + 2 * JSONByteWriter.maximumNumberCount + JSONByteWriter.maximumCount(ofString: item.itemID)
                + JSONByteWriter.maximumCount(ofString: item.name)
        }
        return count
    }

    /// Orders as one JSON array.
    static func encodeArray(_ orders: [Order]) -> [UInt8] {
        var w = JSONByteWriter(capacity: orders.count * 400 + 2)
        w.raw(UInt8(ascii: "["))
        for (i, order) in orders.enumerated() {
            if i > 0 { w.raw(UInt8(ascii: ",")) }
            encode(order, into: &w)
        }
        w.raw(UInt8(ascii: "]"))
        return w.bytes
    }

    // MARK: - Decoding

    /// Decodes and validates a Kafka event: every field required, every rule checked.
    public static func decode(
        _ bytes: [UInt8], validator: OrderValidator = OrderValidator()
    ) throws(OrderDecodingError) -> Order {
        // The common case without the JSONValue tree; anything unusual takes the tree path.
        let draft: OrderDraft
        if let fast = JSONParser.orderEventDraft(bytes) { draft = fast } else { draft = try decodeDraft(bytes, presence: .event) }
        return try validator.makeOrder(from: draft, orderID: { _ in "" }, now: { OrderTimestamp(millisecondsSinceEpoch: 0) })
    }

    /// The draft of a Kafka event read without the `JSONValue` tree, or nil when that path
    /// declines the input (then `decodeDraft(_:presence: .event)` decides). When not nil it equals
    /// what `decodeDraft(_:presence: .event)` returns; the fuzz target checks exactly that.
    public static func eventDraftWithoutTree(_ bytes: [UInt8]) -> OrderDraft? {
        JSONParser.orderEventDraft(bytes)
    }

    /// Parses and structure-checks one order (no rule checks: use `OrderValidator`).
    public static func decodeDraft(
        _ bytes: [UInt8], range: Range<Int>? = nil, presence: Presence = .submission
    ) throws(OrderDecodingError) -> OrderDraft {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, range: range)
        } catch {
            throw .invalidJSON(error)
        }
        return try draft(from: value, presence: presence)
    }

    /// Structure-checks an already parsed value as one order.
    public static func draft(from value: JSONValue, presence: Presence, path: String = "") throws(OrderDecodingError) -> OrderDraft {
        guard case .object(let members) = value else {
            throw .wrongType(field: path.isEmpty ? "(order)" : path, expected: "object", actual: value.typeName)
        }
        var schemaVersion: JSONValue?, orderID: JSONValue?, customerID: JSONValue?, items: JSONValue?
        var total: JSONValue?, status: JSONValue?, createdAt: JSONValue?
        for m in members {
            let v: JSONValue? = m.value == .null ? nil : m.value
            switch m.key {
            case "schema_version": schemaVersion = v
            case "order_id": orderID = v
            case "customer_id": customerID = v
            case "items": items = v
            case "total_amount": total = v
            case "status": status = v
            case "created_at": createdAt = v
            default: continue
            }
        }
        let p = path.isEmpty ? "" : path + "."
        let strict = presence == .event
        var missing: [String] = []
        let required: [(JSONValue?, String, Bool)] = [
            (schemaVersion, "schema_version", strict), (orderID, "order_id", strict), (customerID, "customer_id", true),
            (items, "items", true), (total, "total_amount", true), (status, "status", strict),
            (createdAt, "created_at", strict),
        ]
        for (value, name, isRequired) in required where isRequired && value == nil { missing.append(p + name) }
        if case .array(let lines)? = items {
            for (i, line) in lines.enumerated() {
                guard case .object(let members) = line else { continue }
                let fields = ItemFields(members)
                if !fields.isComplete { missing += fields.missing.map { "\(p)items[\(i)].\($0)" } }
            }
        }
        if !missing.isEmpty { throw .missingFields(missing) }

        let schemaNumber = try optionalNumber(schemaVersion, p + "schema_version")
        let orderIDText = try optionalString(orderID, p + "order_id")
        let customerText = try string(customerID, p + "customer_id")
        let totalNumber = try number(total, p + "total_amount")
        let statusText = try optionalString(status, p + "status")
        let createdText = try optionalString(createdAt, p + "created_at")
        guard case .array(let lines) = items! else {
            throw .wrongType(field: p + "items", expected: "array", actual: items!.typeName)
        }
        var draftItems: [OrderDraft.Item] = []
        draftItems.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            draftItems.append(try item(line, prefix: p, index: i))
        }
        return OrderDraft(
            schemaVersion: schemaNumber, orderID: orderIDText, customerID: customerText, items: draftItems,
            totalAmount: totalNumber, status: statusText, createdAt: createdText)
    }

    private static func item(_ value: JSONValue, prefix: String, index: Int) throws(OrderDecodingError) -> OrderDraft.Item {
        guard case .object(let members) = value else {
            throw .wrongType(field: "\(prefix)items[\(index)]", expected: "object", actual: value.typeName)
        }
        let fields = ItemFields(members)
        // Paths are built only for an error (this runs for every line of every order).
        func path(_ key: String) -> String { "\(prefix)items[\(index)].\(key)" }
        if !fields.isComplete, let first = fields.missing.first { throw .missingFields([path(first)]) }  // checked by the caller
        let id = try string(fields.itemID, path("item_id"))
        let n = try string(fields.name, path("name"))
        let q = try number(fields.quantity, path("quantity"))
        let u = try number(fields.price, path("unit_price"))
        return OrderDraft.Item(itemID: id, name: n, quantity: q, unitPrice: u)
    }

    /// The fields of one order line (`null` counts as absent).
    private struct ItemFields {
        var itemID: JSONValue?, name: JSONValue?, quantity: JSONValue?, price: JSONValue?

        init(_ members: [JSONValue.Member]) {
            for m in members {
                let v: JSONValue? = m.value == .null ? nil : m.value
                switch m.key {
                case "item_id": itemID = v
                case "name": name = v
                case "quantity": quantity = v
                case "unit_price": price = v
                default: continue
                }
            }
        }

        var isComplete: Bool { itemID != nil && name != nil && quantity != nil && price != nil }

        /// The names of the absent fields, in contract order.
        var missing: [String] {
            [(itemID, "item_id"), (name, "name"), (quantity, "quantity"), (price, "unit_price")]
                .filter { $0.0 == nil }.map(\.1)
        }
    }

    private static func string(_ v: JSONValue?, _ field: @autoclosure () -> String) throws(OrderDecodingError) -> String {
        guard let v else { throw .missingFields([field()]) }
        guard case .string(let s) = v else { throw .wrongType(field: field(), expected: "string", actual: v.typeName) }
        return s
    }

    private static func number(_ v: JSONValue?, _ field: @autoclosure () -> String) throws(OrderDecodingError) -> JSONNumber {
        guard let v else { throw .missingFields([field()]) }
        guard case .number(let n) = v else { throw .wrongType(field: field(), expected: "number", actual: v.typeName) }
        return n
    }

    private static func optionalString(_ v: JSONValue?, _ field: @autoclosure () -> String) throws(OrderDecodingError) -> String? {
        guard let v else { return nil }
        return try string(v, field())
    }

    private static func optionalNumber(_ v: JSONValue?, _ field: @autoclosure () -> String) throws(OrderDecodingError) -> JSONNumber? {
        guard let v else { return nil }
        return try number(v, field())
    }
}

extension OrderStatus {
    /// The raw value as a `StaticString`, so the encoder copies bytes without a `String`.
    var staticName: StaticString {
        switch self {
        case .pending: "pending"
        case .confirmed: "confirmed"
        case .preparing: "preparing"
        case .delivered: "delivered"
        case .cancelled: "cancelled"
        }
    }
}
