import SharedJSON

extension JSONParser {
    /// An order event read straight into an `OrderDraft`, without building the `JSONValue` tree:
    /// the consumer's hot path (`OrderCodec.decode`). It takes only input the tree path
    /// (`JSONParser.parse` + `OrderCodec.draft(from:presence: .event)`) turns into the very same
    /// draft, and returns nil for anything else, valid or not: a key with an escape, a known
    /// field twice, absent, `null` or of another JSON type, a repeated unknown key, trailing
    /// data, any syntax error. The caller then takes the tree path, which gives the answer and
    /// the error. Strings and numbers go through the same `parseString` / `parseNumber`, and
    /// unknown members through `parseValue` at the same depth, so what is accepted is identical.
    static func orderEventDraft(_ bytes: [UInt8]) -> OrderDraft? {
        var parser = JSONParser(bytes: bytes, range: 0..<bytes.count, maxDepth: defaultMaxDepth)
        return try? parser.orderEvent()
    }

    private enum EventKey {
        case schemaVersion, orderID, customerID, items, totalAmount, status, createdAt

        static func match(_ key: ArraySlice<UInt8>) -> EventKey? {
            switch key.count {
            case 5: return key.isUTF8("items") ? .items : nil
            case 6: return key.isUTF8("status") ? .status : nil
            case 8: return key.isUTF8("order_id") ? .orderID : nil
            case 10: return key.isUTF8("created_at") ? .createdAt : nil
            case 11: return key.isUTF8("customer_id") ? .customerID : nil
            case 12: return key.isUTF8("total_amount") ? .totalAmount : nil
            case 14: return key.isUTF8("schema_version") ? .schemaVersion : nil
            default: return nil
            }
        }
    }

    private enum ItemKey {
        case itemID, name, quantity, unitPrice

        static func match(_ key: ArraySlice<UInt8>) -> ItemKey? {
            switch key.count {
            case 4: return key.isUTF8("name") ? .name : nil
            case 7: return key.isUTF8("item_id") ? .itemID : nil
            case 8: return key.isUTF8("quantity") ? .quantity : nil
            case 10: return key.isUTF8("unit_price") ? .unitPrice : nil
            default: return nil
            }
        }
    }

    /// Declined: the tree path decides. (Thrown as a parse error so `try?` ends the attempt.)
    private static var declined: JSONParseError { JSONParseError(.trailingData, at: 0) }

    private mutating func orderEvent() throws(JSONParseError) -> OrderDraft {
        var schemaVersion: JSONNumber?, orderID: String?, customerID: String?, items: [OrderDraft.Item]?
        var totalAmount: JSONNumber?, status: String?, createdAt: String?
        var unknownKeys: [String] = []
        skipWhitespace()
        try members(depth: 1, unknownKeys: &unknownKeys) { (parser, key) throws(JSONParseError) -> Bool in
            guard let known = EventKey.match(key) else { return false }
            switch known {
            case .schemaVersion: try Self.set(&schemaVersion, parser.number())
            case .orderID: try Self.set(&orderID, parser.string())
            case .customerID: try Self.set(&customerID, parser.string())
            case .items: try Self.set(&items, parser.items())
            case .totalAmount: try Self.set(&totalAmount, parser.number())
            case .status: try Self.set(&status, parser.string())
            case .createdAt: try Self.set(&createdAt, parser.string())
            }
            return true
        }
        skipWhitespace()
        guard index == end, let schemaVersion, let orderID, let customerID, let items, let totalAmount, let status,
            let createdAt
        else { throw Self.declined }
        return OrderDraft(
            schemaVersion: schemaVersion, orderID: orderID, customerID: customerID, items: items,
            totalAmount: totalAmount, status: status, createdAt: createdAt)
    }

    /// `[ {item}, … ]` at depth 2, each line an object at depth 3.
    private mutating func items() throws(JSONParseError) -> [OrderDraft.Item] {
        guard try peek() == UInt8(ascii: "[") else { throw Self.declined }
        index += 1
        var lines: [OrderDraft.Item] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return lines
        }
        while true {
            skipWhitespace()
            lines.append(try item())
            skipWhitespace()
            let b = try peek()
            index += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { return lines }
            throw Self.declined
        }
    }

    private mutating func item() throws(JSONParseError) -> OrderDraft.Item {
        var itemID: String?, name: String?, quantity: JSONNumber?, unitPrice: JSONNumber?
        var unknownKeys: [String] = []
        try members(depth: 3, unknownKeys: &unknownKeys) { (parser, key) throws(JSONParseError) -> Bool in
            guard let known = ItemKey.match(key) else { return false }
            switch known {
            case .itemID: try Self.set(&itemID, parser.string())
            case .name: try Self.set(&name, parser.string())
            case .quantity: try Self.set(&quantity, parser.number())
            case .unitPrice: try Self.set(&unitPrice, parser.number())
            }
            return true
        }
        guard let itemID, let name, let quantity, let unitPrice else { throw Self.declined }
        return OrderDraft.Item(itemID: itemID, name: name, quantity: quantity, unitPrice: unitPrice)
    }

    /// The members of the object at `index` (nesting `depth`): `known` reads the value of a key
    /// it knows (true) or leaves it (false); unknown members are parsed like the tree path does
    /// and dropped (a repeated one declines, as the tree path rejects duplicate keys).
    private mutating func members(
        depth: Int, unknownKeys: inout [String],
        _ known: (inout JSONParser, ArraySlice<UInt8>) throws(JSONParseError) -> Bool
    ) throws(JSONParseError) {
        guard depth <= maxDepth, try peek() == UInt8(ascii: "{") else { throw Self.declined }
        index += 1
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw Self.declined }
            let keyStart = index + 1
            var keyEnd = keyStart
            while keyEnd < end, bytes[keyEnd] != UInt8(ascii: "\""), bytes[keyEnd] != UInt8(ascii: "\\") { keyEnd += 1 }
            guard keyEnd < end, bytes[keyEnd] == UInt8(ascii: "\"") else { throw Self.declined }
            let key = bytes[keyStart..<keyEnd]
            skipToValue(after: keyEnd)
            guard try peek() == UInt8(ascii: ":") else { throw Self.declined }
            index += 1
            skipWhitespace()
            if try peek() == UInt8(ascii: "n") { throw Self.declined }  // null: absent for the tree path
            if try !known(&self, key) {
                // Decoded as the tree path decodes keys (control bytes, UTF-8), then compared.
                var keyParser = JSONParser(bytes: bytes, range: (keyStart - 1)..<end, maxDepth: maxDepth)
                let name = try keyParser.parseString()
                if unknownKeys.contains(name) { throw Self.declined }
                unknownKeys.append(name)
                _ = try parseValue(depth: depth)
            }
            skipWhitespace()
            let separator = try peek()
            index += 1
            if separator == UInt8(ascii: ",") { continue }
            if separator == UInt8(ascii: "}") { return }
            throw Self.declined
        }
    }

    private mutating func skipToValue(after closingQuote: Int) {
        index = closingQuote + 1
        skipWhitespace()
    }

    private mutating func string() throws(JSONParseError) -> String {
        guard try peek() == UInt8(ascii: "\"") else { throw Self.declined }
        return try parseString()
    }

    private mutating func number() throws(JSONParseError) -> JSONNumber {
        let b = try peek()
        guard b == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { throw Self.declined }
        return try parseNumber()
    }

    /// Sets a field seen for the first time; a second one declines (a duplicate key).
    private static func set<T>(_ field: inout T?, _ value: T) throws(JSONParseError) {
        guard field == nil else { throw Self.declined }
        field = value
    }
}

extension ArraySlice<UInt8> {
    /// Whether these bytes are `name`'s UTF-8. Compares two buffers, where `elementsEqual(name.utf8)`
    /// walks String's UTF-8 view one generic step at a time (3 % of the consumer's CPU in a profile).
    fileprivate func isUTF8(_ name: StaticString) -> Bool {
        name.withUTF8Buffer { name in withUnsafeBufferPointer { $0.elementsEqual(name) } }
    }
}
