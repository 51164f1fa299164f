import SharedHTTP

/// The `http` fuzz target: the HTTP/1.1 request parser (`SharedHTTP.HTTPParser`, public API only).
///
/// The first byte picks a chunk size (1–16 bytes); the rest is fed twice: all at once and in
/// chunks, calling `next()` after every append as the server does. Oracles besides "no crash":
/// both ways yield the same requests in the same order and agree on whether parsing failed (the
/// exact error may differ: a limit can trip before a later syntax error is seen); a failed parser
/// stays failed; a body never exceeds the limit; every error maps to a 4xx/5xx status and
/// describes itself. Accepted: no parse failure.
public enum HTTPFuzzHarness {
    /// Small limits so short inputs reach every limit branch.
    public static let limits = HTTPParserLimits(
        maxRequestLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 12, maxBodyBytes: 1024)

    /// A parsed request, comparable.
    struct Seen: Equatable {
        var method: String
        var path: String
        var query: String?
        var isHTTP11: Bool
        var headers: [String]
        var body: [UInt8]
        var isKeepAlive: Bool
    }

    /// One way of feeding the bytes: what came out, and the oracles it broke on the way.
    struct Pass {
        var requests: [Seen] = []
        var failure: HTTPParseError? = nil
        var outcome = FuzzOutcome()
    }

    public static func run(_ input: [UInt8]) -> FuzzOutcome {
        guard let first = input.first else { return FuzzOutcome() }
        let payload = Array(input.dropFirst())
        let whole = parse(payload, chunk: max(payload.count, 1))
        let chunked = parse(payload, chunk: Int(first % 16) + 1)
        var outcome = FuzzOutcome()
        outcome.violations = whole.outcome.violations + chunked.outcome.violations
        outcome.isAccepted = whole.failure == nil
        outcome.expect(
            whole.requests == chunked.requests && (whole.failure == nil) == (chunked.failure == nil),
            """
            whole and chunked (\(Int(first % 16) + 1) bytes) parsing disagree: \
            \(whole.requests.count) vs \(chunked.requests.count) requests, \
            failure \(String(describing: whole.failure)) vs \(String(describing: chunked.failure))
            """)
        return outcome
    }

    static func parse(_ bytes: [UInt8], chunk: Int) -> Pass {
        var parser = HTTPParser(limits: limits)
        var pass = Pass()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            parser.append(bytes[offset..<end])
            offset = end
            drain: while true {
                switch parser.next() {
                case .request(let request, let isKeepAlive):
                    pass.outcome.expect(
                        request.body.count <= limits.maxBodyBytes,
                        "body of \(request.body.count) bytes over the limit \(limits.maxBodyBytes)")
                    _ = request.queryItems
                    _ = request.header("content-length")
                    pass.requests.append(
                        Seen(
                            method: request.method, path: request.path, query: request.query,
                            isHTTP11: request.version == .http11,
                            headers: request.headers.map { "\($0.name): \($0.value)" }, body: request.body,
                            isKeepAlive: isKeepAlive))
                case .needMoreData:
                    break drain
                case .failure(let error):
                    pass.outcome.expect((400...599).contains(error.status), "status \(error.status) for \(error)")
                    pass.outcome.expect(!error.description.isEmpty && !error.code.isEmpty, "empty error text for \(error)")
                    pass.outcome.expect(parser.hasFailed, "parser not marked failed after \(error)")
                    if case .failure = parser.next() {} else { pass.outcome.violations.append("a failed parser recovered") }
                    pass.failure = error
                    return pass
                }
            }
        }
        return pass
    }
}
