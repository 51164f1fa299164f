import SharedJSON

/// Why bytes could not be turned into an `Order` (or `OrderDraft`), in the order checked:
/// not JSON, then missing fields (all of them), then a wrong JSON type, then validation problems.
public enum OrderDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not one well-formed JSON value (or not an object).
    case invalidJSON(JSONParseError)
    /// Required fields that are absent or `null`, every one, as JSON paths; never empty.
    case missingFields([String])
    /// A field has the wrong JSON type.
    case wrongType(field: String, expected: String, actual: String)
    /// The document is well-typed but breaks the rules; never empty.
    case invalid([ValidationProblem])

    /// The reason code of the (first) problem: the `reason` label for metrics and the DLQ.
    public var code: ValidationProblem.Code {
        switch self {
        case .invalidJSON: .invalidJSON
        case .missingFields: .missingField
        case .wrongType: .wrongType
        case .invalid(let problems): problems.first?.code ?? .invalidJSON
        }
    }

    /// Every problem as `ValidationProblem`s (one for the structural cases).
    public var problems: [ValidationProblem] {
        switch self {
        case .invalidJSON(let e): [ValidationProblem(.invalidJSON, field: "", e.description)]
        case .missingFields(let fields):
            fields.map { ValidationProblem(.missingField, field: $0, "required field \($0) is missing") }
        case .wrongType(let f, let expected, let actual):
            [ValidationProblem(.wrongType, field: f, "\(f) must be a JSON \(expected), got \(actual)")]
        case .invalid(let problems): problems
        }
    }

    public var description: String {
        problems.map(\.description).joined(separator: "; ")
    }
}
