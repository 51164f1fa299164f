import SharedCore

/// The core's `PostgresSSLMode` under its old name here, so users of this module need not import
/// SharedCore to name it (the type moved there to keep libpq out of the producer).
public typealias PostgresSSLMode = SharedCore.PostgresSSLMode

extension PostgresSSLMode {
    /// Parses a config value; the error lists the allowed values.
    public init(parsing text: String) throws(PostgresError) {
        guard let mode = PostgresSSLMode(rawValue: text.lowercased()) else {
            let allowed = PostgresSSLMode.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidConnectionString(message: "sslmode=\(text) is not one of \(allowed)")
        }
        self = mode
    }
}
