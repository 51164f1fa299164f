/// A parsed HTTP/1.1 request. Header names are kept as received; lookups are case-insensitive.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target's path, percent-encoding kept, without the query.
    public var path: String
    /// The raw query string after `?` (without it), or nil when there was none.
    public var query: String?
    public var version: HTTPVersion
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// `CLOCK_MONOTONIC` nanoseconds at which the server's event loop woke up to read this
    /// request's last bytes (0 when not received from a socket). Handlers may reuse a result
    /// computed after this instant for the request (see `ObservabilityRoutes` `/metrics`).
    public var receivedAtNanoseconds: UInt64 = 0

    public init(
        method: String, path: String, query: String? = nil, version: HTTPVersion = .http11,
        headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The first header with this name (case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Query parameters in order; a key without `=` has the empty string as value.
    public var queryItems: [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { part in
            if let eq = part.firstIndex(of: "=") {
                return (String(part[..<eq]), String(part[part.index(after: eq)...]))
            }
            return (String(part), "")
        }
    }

    /// True when the query has this key (`?verbose` or `?verbose=1`).
    public func hasQueryItem(_ name: String) -> Bool {
        queryItems.contains { $0.name == name }
    }

    /// The value of the first query item with this key.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}

/// The HTTP versions the server speaks.
public enum HTTPVersion: Sendable, Equatable {
    case http10
    case http11
}
