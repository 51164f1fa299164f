#if canImport(Glibc)
import Glibc
#endif

/// Serializes responses into a connection's output buffer: status line, `Date`, the handler's
/// headers (minus the ones the server owns), `Content-Length`, `Connection`, blank line, body.
/// Header lines with CR, LF or NUL are dropped (no response splitting).
struct HTTPResponseEncoder {
    private var dateLine: [UInt8] = []
    private var dateSecond = -1

    /// Appends one response. `isHead` omits the body but keeps its `Content-Length`.
    mutating func encode(
        _ response: HTTPResponse, isHead: Bool, isClosing: Bool, requestVersion: HTTPVersion,
        into out: inout [UInt8]
    ) {
        let status = response.status
        let hasNoContent = (100..<200).contains(status) || status == 204
        let sendsBody = !isHead && !hasNoContent && status != 304
        out.reserveCapacity(out.count + 160 + response.headers.count * 48 + (sendsBody ? response.body.count : 0))
        out.append(contentsOf: Self.statusLine(status))
        refreshDate()
        out.append(contentsOf: dateLine)
        for (name, value) in response.headers {
            Self.appendHeader(name, value, into: &out)
        }
        if !hasNoContent {
            out.append(contentsOf: "Content-Length: ".utf8)
            Self.appendDecimal(response.body.count, into: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        if isClosing {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if requestVersion == .http10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(0x0D)
        out.append(0x0A)
        if sendsBody { out.append(contentsOf: response.body) }
    }

    private mutating func refreshDate() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        let second = Int(now.tv_sec)
        guard second != dateSecond else { return }
        dateSecond = second
        var seconds = time_t(second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text =
            "Date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
        dateLine = Array(text.utf8)
    }

    /// Appends `name: value\r\n` unless the name is owned by the server or either part is unsafe.
    private static func appendHeader(_ name: String, _ value: String, into out: inout [UInt8]) {
        let mark = out.count
        var nameLength = 0
        for byte in name.utf8 {
            guard HTTPHeadSyntax.isTokenByte[Int(byte)] else {
                out.removeSubrange(mark...)
                return
            }
            out.append(byte)
            nameLength += 1
        }
        if nameLength == 0 || isServerOwned(out[mark...]) {
            out.removeSubrange(mark...)
            return
        }
        out.append(UInt8(ascii: ":"))
        out.append(0x20)
        for byte in value.utf8 {
            if byte == 0x0D || byte == 0x0A || byte == 0 {
                out.removeSubrange(mark...)
                return
            }
            out.append(byte)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    private static func isServerOwned(_ name: ArraySlice<UInt8>) -> Bool {
        switch name.count {
        case 4: HTTPHeadSyntax.equalsIgnoringCase(name, "date")
        case 10: HTTPHeadSyntax.equalsIgnoringCase(name, "connection")
        case 14: HTTPHeadSyntax.equalsIgnoringCase(name, "content-length")
        case 17: HTTPHeadSyntax.equalsIgnoringCase(name, "transfer-encoding")
        default: false
        }
    }

    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(max(value, 0)))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    private static let statusLines: [[UInt8]] = (0..<600).map { code in
        Array("HTTP/1.1 \(code) \(reasonPhrase(code))\r\n".utf8)
    }

    static func statusLine(_ status: Int) -> [UInt8] {
        (100..<600).contains(status) ? statusLines[status] : statusLines[500]
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
