// libFuzzer entry for the HTTP/1.1 request parser (compiled together with
// Sources/Shared/HTTP/HTTPParser*.swift, HTTPHeadSyntax.swift, HTTPParseError.swift and
// HTTPRequest.swift by scripts/fuzz).
//
// The first byte picks a chunk size (1–16 bytes); the rest is fed twice: all at once and in
// chunks, calling `next()` after every append as the server does. Oracles besides "no crash":
// both ways yield the same requests in the same order and agree on whether parsing failed
// (the exact error may differ: a limit can trip before a later syntax error is seen); a failed
// parser stays failed; a body never exceeds the limit; every error maps to a 4xx/5xx status.

@_cdecl("LLVMFuzzerTestOneInput")
public func httpFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    HTTPFuzzEntry.run(bytes)
    return 0
}

enum HTTPFuzzEntry {
    /// Small limits so short inputs reach every limit branch.
    static let limits = HTTPParserLimits(
        maxRequestLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 12, maxBodyBytes: 1024)

    struct Seen: Equatable {
        var method: String
        var path: String
        var query: String?
        var isHTTP11: Bool
        var headers: [String]
        var body: [UInt8]
        var isKeepAlive: Bool
    }

    struct Outcome {
        var requests: [Seen] = []
        var failure: HTTPParseError? = nil
    }

    static func run(_ input: [UInt8]) {
        guard let first = input.first else { return }
        let payload = Array(input.dropFirst())
        let whole = parse(payload, chunk: max(payload.count, 1))
        let chunked = parse(payload, chunk: Int(first % 16) + 1)
        if whole.requests != chunked.requests || (whole.failure == nil) != (chunked.failure == nil) {
            fatalError("""
                whole and chunked parsing disagree: \(whole.requests.count) vs \(chunked.requests.count) requests, \
                failure \(String(describing: whole.failure)) vs \(String(describing: chunked.failure))
                """)
        }
    }

    static func parse(_ bytes: [UInt8], chunk: Int) -> Outcome {
        var parser = HTTPParser(limits: limits)
        var outcome = Outcome()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            parser.append(bytes[offset..<end])
            offset = end
            drain: while true {
                switch parser.next() {
                case .request(let request, let isKeepAlive):
                    precondition(request.body.count <= limits.maxBodyBytes, "body over the limit")
                    _ = request.queryItems
                    _ = request.header("content-length")
                    outcome.requests.append(
                        Seen(
                            method: request.method, path: request.path, query: request.query,
                            isHTTP11: request.version == .http11,
                            headers: request.headers.map { "\($0.name): \($0.value)" }, body: request.body,
                            isKeepAlive: isKeepAlive))
                case .needMoreData:
                    break drain
                case .failure(let error):
                    precondition((400...599).contains(error.status), "status \(error.status) for \(error)")
                    precondition(!error.description.isEmpty && !error.code.isEmpty, "empty error text")
                    precondition(parser.hasFailed, "parser not marked failed")
                    if case .failure = parser.next() {} else { fatalError("a failed parser recovered") }
                    outcome.failure = error
                    return outcome
                }
            }
        }
        return outcome
    }
}
