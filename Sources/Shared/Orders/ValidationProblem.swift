/// One reason an order was rejected: a contract reason code, the JSON field it is about,
/// and a message for people.
public struct ValidationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The contract's bounded reason codes (also the `reason` metric label).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case invalidJSON = "invalid_json"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        case unknownSchemaVersion = "unknown_schema_version"
        case invalidOrderID = "invalid_order_id"
        case invalidCustomerID = "invalid_customer_id"
        case noItems = "no_items"
        case tooManyItems = "too_many_items"
        case invalidQuantity = "invalid_quantity"
        case invalidPrice = "invalid_price"
        case invalidTotal = "invalid_total"
        case totalMismatch = "total_mismatch"
        case invalidStatus = "invalid_status"
        case invalidTimestamp = "invalid_timestamp"
    }

    public var code: Code
    /// JSON path of the field, e.g. `items[2].unit_price`; empty for the whole document.
    public var field: String
    public var message: String

    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        field.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue) (\(field)): \(message)"
    }
}
