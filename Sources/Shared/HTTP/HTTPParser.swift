#if canImport(Glibc)
import Glibc
#endif

/// An incremental HTTP/1.1 request parser. It never sees a socket: feed it bytes with `append`,
/// then call `next()` until it answers `.needMoreData`. Pipelined requests come out in order.
///
/// Decisions: `Transfer-Encoding` is answered 501 (400 with `Content-Length`: smuggling);
/// duplicate `Content-Length` or `Host` → 400; a missing `Host` on HTTP/1.1 is tolerated;
/// leading empty lines before a request line are skipped; lines must end in CRLF (bare LF → 400).
/// After a failure the parser stays failed: the connection must be closed.
public struct HTTPParser: Sendable {
    /// One step of parsing.
    public enum Result: Sendable {
        /// A complete request; `isKeepAlive` says whether the connection may stay open after it.
        case request(HTTPRequest, isKeepAlive: Bool)
        /// The buffered bytes end inside a request.
        case needMoreData
        /// The request is malformed or over a limit; answer `error.status` and close.
        case failure(HTTPParseError)
    }

    public let limits: HTTPParserLimits

    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes.
    private var start = 0
    /// Where the line scan continues (absolute index into `buffer`).
    private var scan = 0
    private var lineStart = 0
    private var requestLine: Range<Int>? = nil
    private var headerLines: [Range<Int>] = []
    private var headerBytes = 0
    /// The parsed head while its body is still arriving.
    private var pending: (request: HTTPRequest, isKeepAlive: Bool, bodyLength: Int)? = nil
    private var failure: HTTPParseError? = nil

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// True when bytes of an unfinished request are buffered.
    var hasBufferedBytes: Bool { buffer.count > start }

    /// Unconsumed bytes held.
    var bufferedByteCount: Int { buffer.count - start }

    /// True once a failure was reported.
    public var hasFailed: Bool { failure != nil }

    /// Appends received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Parses the next request from the buffered bytes.
    public mutating func next() -> Result {
        if let failure { return .failure(failure) }
        if pending == nil {
            do throws(HTTPParseError) {
                guard let headEnd = try scanHead() else { return .needMoreData }
                pending = try parseHead()
                start = headEnd
            } catch {
                failure = error
                return .failure(error)
            }
        }
        guard let head = pending, buffer.count - start >= head.bodyLength else { return .needMoreData }
        var request = head.request
        if head.bodyLength > 0 {
            request.body = Array(buffer[start..<(start + head.bodyLength)])
            start += head.bodyLength
        }
        pending = nil
        resetForNextRequest()
        return .request(request, isKeepAlive: head.isKeepAlive)
    }

    private mutating func resetForNextRequest() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 65536)
            start = 0
        } else if start >= 32768 {
            buffer.removeFirst(start)
            start = 0
        }
        scan = start
        lineStart = start
        requestLine = nil
        headerLines.removeAll(keepingCapacity: true)
        headerBytes = 0
    }

    /// Finds the end of the head (index after the empty line), enforcing the limits line by line.
    private mutating func scanHead() throws(HTTPParseError) -> Int? {
        let end = buffer.count
        while scan < end {
            let found: Int? = buffer.withUnsafeBytes { raw in
                let base = raw.baseAddress!
                guard let hit = memchr(base + scan, 0x0A, end - scan) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            guard let lf = found else {
                scan = end
                break
            }
            scan = lf + 1
            guard lf > lineStart, buffer[lf - 1] == 0x0D else {
                throw requestLine == nil
                    ? .invalidRequestLine("line ends in a bare LF") : .invalidHeader("line ends in a bare LF")
            }
            let line = lineStart..<(lf - 1)
            lineStart = lf + 1
            if requestLine == nil {
                if line.isEmpty {
                    start = lineStart  // an empty line before the request line is skipped
                    continue
                }
                if line.count > limits.maxRequestLineBytes {
                    throw .requestLineTooLong(limit: limits.maxRequestLineBytes)
                }
                requestLine = line
                continue
            }
            if line.isEmpty { return lineStart }
            headerBytes += line.count + 2
            if headerBytes > limits.maxHeaderBytes {
                throw .headersTooLarge("more than \(limits.maxHeaderBytes) bytes of header fields")
            }
            headerLines.append(line)
            if headerLines.count > limits.maxHeaderCount {
                throw .headersTooLarge("more than \(limits.maxHeaderCount) header fields")
            }
        }
        let open = end - lineStart
        if requestLine == nil {
            if open > limits.maxRequestLineBytes + 1 {
                throw .requestLineTooLong(limit: limits.maxRequestLineBytes)
            }
        } else if headerBytes + open > limits.maxHeaderBytes + 1 {
            throw .headersTooLarge("more than \(limits.maxHeaderBytes) bytes of header fields")
        }
        return nil
    }

    private func parseHead() throws(HTTPParseError) -> (request: HTTPRequest, isKeepAlive: Bool, bodyLength: Int) {
        guard let requestLine else { throw .invalidRequestLine("missing") }
        var request = try HTTPHeadSyntax.parseRequestLine(buffer[requestLine])
        var contentLength: Int? = nil
        var transferEncoding: String? = nil
        var hostCount = 0
        var wantsClose = false
        var wantsKeepAlive = false
        request.headers.reserveCapacity(headerLines.count)
        for line in headerLines {
            let (name, value) = try HTTPHeadSyntax.parseHeaderLine(buffer[line])
            switch HTTPHeadSyntax.classify(name) {
            case .contentLength:
                if contentLength != nil { throw .invalidContentLength("Content-Length appears more than once") }
                contentLength = try HTTPHeadSyntax.parseContentLength(value)
            case .transferEncoding:
                transferEncoding = String(decoding: value, as: UTF8.self)
            case .host:
                hostCount += 1
                if hostCount > 1 { throw .invalidHeader("Host appears more than once") }
            case .connection:
                HTTPHeadSyntax.connectionTokens(value, close: &wantsClose, keepAlive: &wantsKeepAlive)
            case .other:
                break
            }
            request.headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        if let transferEncoding {
            if contentLength != nil { throw .conflictingFraming }
            throw .transferEncodingNotSupported(transferEncoding)
        }
        let length = contentLength ?? 0
        if length > limits.maxBodyBytes { throw .bodyTooLarge(contentLength: length, limit: limits.maxBodyBytes) }
        let isKeepAlive = request.version == .http11 ? !wantsClose : (wantsKeepAlive && !wantsClose)
        return (request, isKeepAlive, length)
    }
}
