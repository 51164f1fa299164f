/// Misconfiguration or bad input in the orders area outside JSON decoding
/// (that is `OrderDecodingError`).
public enum OrderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `producer.instance_id` does not match `[A-Z0-9]{4,16}`.
    case invalidInstanceID(String)
    /// A `traceparent` header value that is not W3C trace-context level 1.
    case invalidTraceParent(String, reason: String)
    /// An `order.rate`, `order.jitter` or `order.burst` value out of range.
    case invalidPacing(key: String, value: String, allowed: String)

    public var description: String {
        switch self {
        case .invalidInstanceID(let id):
            "producer.instance_id=\"\(id.prefix(40))\" is not 4 to 16 characters of A-Z and 0-9"
        case .invalidTraceParent(let value, let reason):
            "traceparent \"\(value.prefix(80))\" is invalid: \(reason); expected 00-<32 hex>-<16 hex>-<2 hex>"
        case .invalidPacing(let key, let value, let allowed):
            "\(key)=\(value) is not allowed; allowed: \(allowed)"
        }
    }
}
