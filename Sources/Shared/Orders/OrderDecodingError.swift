/// Why bytes could not be turned into an `Order` (or `OrderDraft`), in the order checked:
/// not JSON, then a missing field, then a wrong JSON type, then validation problems.
public enum OrderDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not one well-formed JSON value (or not an object).
    case invalidJSON(JSONParseError)
    /// A required field is absent or `null`; the payload is its JSON path.
    case missingField(String)
    /// A field has the wrong JSON type.
    case wrongType(field: String, expected: String, actual: String)
    /// The document is well-typed but breaks the rules; never empty.
    case invalid([ValidationProblem])

    /// The reason code of the (first) problem: the `reason` label for metrics and the DLQ.
    public var code: ValidationProblem.Code {
        switch self {
        case .invalidJSON: .invalidJSON
        case .missingField: .missingField
        case .wrongType: .wrongType
        case .invalid(let problems): problems.first?.code ?? .invalidJSON
        }
    }

    /// Every problem as `ValidationProblem`s (one for the structural cases).
    public var problems: [ValidationProblem] {
        switch self {
        case .invalidJSON(let e): [ValidationProblem(.invalidJSON, field: "", e.description)]
        case .missingField(let f): [ValidationProblem(.missingField, field: f, "required field \(f) is missing")]
        case .wrongType(let f, let expected, let actual):
            [ValidationProblem(.wrongType, field: f, "\(f) must be a JSON \(expected), got \(actual)")]
        case .invalid(let problems): problems
        }
    }

    public var description: String {
        problems.map(\.description).joined(separator: "; ")
    }
}
