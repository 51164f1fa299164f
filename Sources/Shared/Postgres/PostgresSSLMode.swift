/// libpq's `sslmode`, ordered from weakest to strictest (config key `postgres.sslmode`).
public enum PostgresSSLMode: String, Sendable, CaseIterable, Comparable {
    case disable
    case allow
    case prefer
    case require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"

    /// Parses a config value; the error lists the allowed values.
    public init(parsing text: String) throws(PostgresError) {
        guard let mode = PostgresSSLMode(rawValue: text.lowercased()) else {
            let allowed = PostgresSSLMode.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidConnectionString(message: "sslmode=\(text) is not one of \(allowed)")
        }
        self = mode
    }

    private var strictness: Int { PostgresSSLMode.allCases.firstIndex(of: self)! }

    public static func < (lhs: PostgresSSLMode, rhs: PostgresSSLMode) -> Bool {
        lhs.strictness < rhs.strictness
    }
}
