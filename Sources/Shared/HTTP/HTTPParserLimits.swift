/// Size limits the parser enforces while bytes arrive (before buffering more than allowed).
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line without CRLF; longer → 414.
    public var maxRequestLineBytes: Int
    /// Sum of all header lines including their CRLF, request line excluded; more → 431.
    public var maxHeaderBytes: Int
    /// Most header fields; more → 431.
    public var maxHeaderCount: Int
    /// Largest `Content-Length`; larger → 413 (answered before the body is read).
    public var maxBodyBytes: Int

    public init(
        maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 16384, maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1_048_576
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
