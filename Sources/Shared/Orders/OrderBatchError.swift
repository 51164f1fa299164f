import SharedJSON

/// Why a `POST /v1/orders:batch` body was rejected as a whole (per-order problems are
/// reported per entry instead, see `OrderCodec.decodeBatch`).
public enum OrderBatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A JSON-array body is not well-formed JSON (one bad element spoils the whole array).
    case invalidJSON(JSONParseError)
    /// A JSON-array body parsed, but is not an array.
    case notAnArray(actual: String)
    /// No orders at all (`[]` or only blank lines).
    case empty
    /// More orders than allowed.
    case tooManyOrders(limit: Int)

    /// The reason code for metrics: `invalid_json` for the syntax cases, `wrong_type` for a non-array,
    /// `no_items` for empty and `too_many_items` for too many orders.
    public var code: ValidationProblem.Code {
        switch self {
        case .invalidJSON: .invalidJSON
        case .notAnArray: .wrongType
        case .empty: .noItems
        case .tooManyOrders: .tooManyItems
        }
    }

    public var description: String {
        switch self {
        case .invalidJSON(let e): "batch body is not valid JSON: \(e)"
        case .notAnArray(let actual): "batch body must be a JSON array of orders or NDJSON, got a JSON \(actual)"
        case .empty: "batch has no orders; send 1 or more"
        case .tooManyOrders(let limit): "batch has more than \(limit) orders"
        }
    }
}
