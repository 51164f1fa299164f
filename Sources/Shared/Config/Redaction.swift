import SharedCore

/// Hides secrets in printed configuration and error messages.
public enum Redaction {
    /// The text that replaces a secret.
    static let placeholder = "<redacted>"

    /// Redacts the value of secret key `key`: `postgres.url` keeps everything but its password.
    public static func redact(_ key: String, _ value: String) -> String {
        key == "postgres.url" ? redactPostgresURL(value) : placeholder
    }

    /// Words in a librdkafka property name that mark its value secret.
    static let secretPropertyWords = ["password", "secret", "key", "token", "jaas", "credential"]

    /// Redacts a librdkafka property's value when its name looks secret (`ssl.key.password`,
    /// `sasl.oauthbearer.client.secret`, `ssl.key.pem`, ...).
    static func redactProperty(_ property: String, _ value: String) -> String {
        let lower = property.lowercased()
        return secretPropertyWords.contains { lower.contains($0) } ? placeholder : value
    }

    /// Hides the password in a libpq URI (`postgresql://user:pw@host/db`, `?password=pw`)
    /// or keyword/value string (`host=x password=pw`, `password='p w'`).
    ///
    /// Repeated until nothing changes, so redacting the result again finds nothing more: one pass
    /// can expose more to hide, as when a password value swallows the `/` that ended the authority
    /// and the next pass sees another `user:...@` (the fuzzer found that). It ends: every pass that
    /// changes the text shrinks what lies outside placeholders, or fills an empty password once.
    public static func redactPostgresURL(_ url: String) -> String {
        var text = url
        while true {
            let next = redactPostgresURLOnce(text)
            if next == text { return text }
            text = next
        }
    }

    /// One pass of `redactPostgresURL`: the user-info password, then every `password=` value.
    private static func redactPostgresURLOnce(_ url: String) -> String {
        var text = url
        // URI user info: scheme://user:password@host
        if let schemeEnd = text.firstRange(of: "://") {
            let afterScheme = text[schemeEnd.upperBound...]
            let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? text.endIndex
            let authority = text[schemeEnd.upperBound..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: placeholder)
            }
        }
        // password=... as a URI query parameter or a keyword/value pair. Text glued to a quoted
        // value (`'p w'x`) goes with it, or a second pass would take it (the fuzzer found that).
        let pattern = #/(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'[^\s&]*|[^\s&]+)/#
        return text.replacing(pattern) { match in "\(match.output.1)\(placeholder)" }
    }
}
