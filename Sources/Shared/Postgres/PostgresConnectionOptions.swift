/// A validated connection target: the parsed `postgres.url` plus `postgres.sslmode` and a
/// connect timeout, ready for `PQconnectdbParams`.
import SharedCore
public struct PostgresConnectionOptions: Sendable, Equatable {
    /// One libpq keyword/value pair.
    struct Parameter: Sendable, Equatable {
        var keyword: String
        var value: String
        var isSecret: Bool
    }

    /// Every parameter passed to libpq, in order.
    let parameters: [Parameter]

    /// Parses `url` (libpq URI `postgresql://user:pw@host:port/db?opt=v` or keyword form
    /// `host=... dbname=...`) with `PQconninfoParse`.
    ///
    /// - `sslmode`: applied as a keyword. When the URL sets one too, the stricter of the two
    ///   wins, so the config default (`prefer`) never weakens an explicit `sslmode=require`.
    /// - `connectTimeout`: used as `connect_timeout` unless the URL sets one (libpq's own
    ///   default waits forever on an unreachable host). Whole seconds, at least 1.
    /// - `applicationName`: `application_name` unless the URL sets one (shows in `pg_stat_activity`).
    init(
        url: String, sslmode: PostgresSSLMode? = nil, connectTimeout: Duration = .seconds(5),
        applicationName: String? = "kafkatrace"
    ) throws(PostgresError) {
        var parsed = try PQConnectionInfo.parse(url).map {
            Parameter(keyword: $0.keyword, value: $0.value, isSecret: $0.isSecret)
        }
        if let sslmode {
            if let index = parsed.firstIndex(where: { $0.keyword == "sslmode" }) {
                let fromURL = try PostgresSSLMode(parsing: parsed[index].value)
                parsed[index].value = max(fromURL, sslmode).rawValue
            } else {
                parsed.append(Parameter(keyword: "sslmode", value: sslmode.rawValue, isSecret: false))
            }
        }
        if !parsed.contains(where: { $0.keyword == "connect_timeout" }) {
            let seconds = max(1, connectTimeout.wholeMilliseconds / 1000)
            parsed.append(Parameter(keyword: "connect_timeout", value: String(seconds), isSecret: false))
        }
        if let applicationName, !parsed.contains(where: { $0.keyword == "application_name" }) {
            parsed.append(Parameter(keyword: "application_name", value: applicationName, isSecret: false))
        }
        parameters = parsed
    }

    /// The value of one keyword, nil when unset.
    func value(of keyword: String) -> String? {
        parameters.first { $0.keyword == keyword }?.value
    }

    /// Keyword form with secrets (the password) replaced by `*****`, for logs and errors.
    var redacted: String {
        parameters.map { parameter in
            "\(parameter.keyword)=\(parameter.isSecret ? "*****" : PostgresConnectionOptions.quote(parameter.value))"
        }.joined(separator: " ")
    }

    /// Short target for error messages: `user@host:port/dbname` (no secrets).
    var target: String {
        let user = value(of: "user").map { "\($0)@" } ?? ""
        let host = value(of: "host") ?? value(of: "hostaddr") ?? "localhost"
        let port = value(of: "port") ?? "5432"
        let database = value(of: "dbname") ?? value(of: "user") ?? ""
        return "\(user)\(host):\(port)/\(database)"
    }

    var keywordValuePairs: [(keyword: String, value: String)] {
        parameters.map { ($0.keyword, $0.value) }
    }

    private static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "'" || $0 == "\\" }
        guard needsQuotes else { return value }
        let escaped = value.replacingBackslashesAndQuotes()
        return "'\(escaped)'"
    }
}

extension String {
    fileprivate func replacingBackslashesAndQuotes() -> String {
        var out = ""
        for character in self {
            if character == "\\" || character == "'" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
