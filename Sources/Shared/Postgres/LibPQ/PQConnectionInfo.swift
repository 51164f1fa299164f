import CLibPQ

/// Parses a libpq connection string (URI `postgresql://...` or `key=value ...`).
enum PQConnectionInfo {
    /// One parameter that the string set.
    struct Option: Sendable, Equatable {
        var keyword: String
        var value: String
        /// libpq marks it as secret (`dispchar` `*`, i.e. the password).
        var isSecret: Bool
    }

    /// Wraps `PQconninfoParse` (+ `PQconninfoFree`, `PQfreemem` for the error text):
    /// the options the string sets, in libpq's keyword order.
    static func parse(_ conninfo: String) throws(PostgresError) -> [Option] {
        var errorText: UnsafeMutablePointer<CChar>? = nil
        let parsed = conninfo.withCString { PQconninfoParse($0, &errorText) }
        guard let parsed else {
            var message = "out of memory"
            if let errorText {
                message = String(cString: errorText).trimmingTrailingNewlines()
                PQfreemem(errorText)
            }
            throw .invalidConnectionString(message: message)
        }
        defer { PQconninfoFree(parsed) }
        var options: [Option] = []
        var cursor = parsed
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                let secret = cursor.pointee.dispchar.map { String(cString: $0) == "*" } ?? false
                options.append(Option(keyword: String(cString: keyword), value: String(cString: value), isSecret: secret))
            }
            cursor += 1
        }
        return options
    }
}
