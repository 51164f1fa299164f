/// Why a request could not be parsed. Each case maps to the status the server answers with;
/// after any of them the server closes the connection.
public enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request line is not `METHOD SP target SP HTTP/x.y` (400).
    case invalidRequestLine(String)
    /// The request line is longer than the limit (414).
    case requestLineTooLong(limit: Int)
    /// A version other than HTTP/1.0 or HTTP/1.1 (505).
    case unsupportedVersion(String)
    /// A malformed header line: bad name, obs-fold, control characters, bare LF (400).
    case invalidHeader(String)
    /// Too many header fields or too many header bytes (431).
    case headersTooLarge(String)
    /// `Content-Length` is not a number or appears twice (400).
    case invalidContentLength(String)
    /// `Content-Length` over the body limit (413).
    case bodyTooLarge(contentLength: Int, limit: Int)
    /// `Transfer-Encoding` together with `Content-Length`: a request-smuggling vector (400).
    case conflictingFraming
    /// `Transfer-Encoding` (chunked request bodies) is not implemented (501).
    case transferEncodingNotSupported(String)

    /// The HTTP status the server answers with.
    public var status: Int {
        switch self {
        case .invalidRequestLine, .invalidHeader, .invalidContentLength, .conflictingFraming: 400
        case .requestLineTooLong: 414
        case .unsupportedVersion: 505
        case .headersTooLarge: 431
        case .bodyTooLarge: 413
        case .transferEncodingNotSupported: 501
        }
    }

    /// A short stable code for JSON error bodies and logs.
    public var code: String {
        switch self {
        case .invalidRequestLine: "invalid_request_line"
        case .requestLineTooLong: "request_line_too_long"
        case .unsupportedVersion: "unsupported_http_version"
        case .invalidHeader: "invalid_header"
        case .headersTooLarge: "headers_too_large"
        case .invalidContentLength: "invalid_content_length"
        case .bodyTooLarge: "body_too_large"
        case .conflictingFraming: "conflicting_framing"
        case .transferEncodingNotSupported: "transfer_encoding_not_supported"
        }
    }

    public var description: String {
        switch self {
        case .invalidRequestLine(let why):
            "invalid request line: \(why); expected METHOD SP /path SP HTTP/1.1"
        case .requestLineTooLong(let limit):
            "request line longer than \(limit) bytes"
        case .unsupportedVersion(let version):
            "HTTP version \(version) is not supported; use HTTP/1.1 or HTTP/1.0"
        case .invalidHeader(let why):
            "invalid header: \(why)"
        case .headersTooLarge(let why):
            "request header fields too large: \(why)"
        case .invalidContentLength(let why):
            "invalid Content-Length: \(why); expected one decimal number"
        case .bodyTooLarge(let length, let limit):
            "request body of \(length) bytes exceeds the limit of \(limit) bytes"
        case .conflictingFraming:
            "both Transfer-Encoding and Content-Length are present; send only Content-Length"
        case .transferEncodingNotSupported(let value):
            "Transfer-Encoding \(value) is not supported; send the body with Content-Length"
        }
    }
}
