/// Settings of one `HTTPServer` (config keys `http.*` in docs/CONTRACT.md).
public struct HTTPServerConfiguration: Sendable, Equatable {
    /// IPv4 or IPv6 literal to bind (`0.0.0.0`, `::`, `127.0.0.1`).
    public var host: String
    /// TCP port; 0 picks an ephemeral port (tests), see `HTTPServer.waitUntilListening()`.
    public var port: Int
    /// Open connections at most; one more is answered 503 and closed.
    public var maxConnections: Int
    public var maxBodyBytes: Int
    public var maxHeaderBytes: Int
    public var maxHeaderCount: Int
    public var maxRequestLineBytes: Int
    /// A keep-alive connection with no request in progress is closed after this long.
    public var idleTimeout: Duration
    /// A request must arrive completely within this time from its first byte, else 408 and close.
    public var requestTimeout: Duration
    /// Graceful stop waits at most this long for in-flight requests, then closes everything.
    public var shutdownTimeout: Duration

    public init(
        host: String = "0.0.0.0", port: Int = 8080, maxConnections: Int = 1024,
        maxBodyBytes: Int = 1_048_576, maxHeaderBytes: Int = 16384, maxHeaderCount: Int = 100,
        maxRequestLineBytes: Int = 8192, idleTimeout: Duration = .seconds(60),
        requestTimeout: Duration = .seconds(10), shutdownTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.maxConnections = maxConnections
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxRequestLineBytes = maxRequestLineBytes
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.shutdownTimeout = shutdownTimeout
    }

    /// The parser limits these settings imply.
    var parserLimits: HTTPParserLimits {
        HTTPParserLimits(
            maxRequestLineBytes: maxRequestLineBytes, maxHeaderBytes: maxHeaderBytes,
            maxHeaderCount: maxHeaderCount, maxBodyBytes: maxBodyBytes)
    }
}
