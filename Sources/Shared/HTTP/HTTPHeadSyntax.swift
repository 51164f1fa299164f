/// Byte-level syntax checks for the request head (RFC 9112), used by `HTTPParser`.
enum HTTPHeadSyntax {
    enum KnownHeader {
        case contentLength, transferEncoding, host, connection, other
    }

    /// RFC 9110 `tchar`: the characters of methods and header names.
    static let isTokenByte: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for byte in "!#$%&'*+-.^_`|~".utf8 { table[Int(byte)] = true }
        return table
    }()

    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPRequest {
        guard let firstSpace = line.firstIndex(of: 0x20) else {
            throw .invalidRequestLine("no space after the method")
        }
        let method = line[line.startIndex..<firstSpace]
        guard !method.isEmpty, method.allSatisfy({ isTokenByte[Int($0)] }) else {
            throw .invalidRequestLine("the method is not a token")
        }
        let afterMethod = line[(firstSpace + 1)...]
        guard let secondSpace = afterMethod.firstIndex(of: 0x20) else {
            throw .invalidRequestLine("no space after the request target")
        }
        let target = afterMethod[afterMethod.startIndex..<secondSpace]
        let versionBytes = afterMethod[(secondSpace + 1)...]
        guard !target.isEmpty else { throw .invalidRequestLine("empty request target") }
        guard target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidRequestLine("the request target has spaces, control or non-ASCII characters")
        }
        let version = try parseVersion(versionBytes)
        let (path, query) = try splitTarget(target)
        return HTTPRequest(
            method: String(decoding: method, as: UTF8.self), path: path, query: query, version: version)
    }

    static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        if bytes.elementsEqual("HTTP/1.1".utf8) { return .http11 }
        if bytes.elementsEqual("HTTP/1.0".utf8) { return .http10 }
        let text = String(decoding: bytes.prefix(32), as: UTF8.self)
        let shape = Array(bytes)
        if shape.count == 8, shape.starts(with: "HTTP/".utf8),
            isDigit(shape[5]), shape[6] == UInt8(ascii: "."), isDigit(shape[7])
        {
            throw .unsupportedVersion(text)
        }
        throw .invalidRequestLine("bad HTTP version \"\(text)\"")
    }

    /// Origin form (`/p?q`), asterisk form (`*`) and absolute form (`http://host/p?q`).
    static func splitTarget(_ target: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String?) {
        var rest = target
        if rest.first != UInt8(ascii: "/") {
            if rest.elementsEqual("*".utf8) { return ("*", nil) }
            guard let schemeEnd = findSchemeSeparator(rest) else {
                throw .invalidRequestLine("the request target must start with / or be an absolute http URL")
            }
            let authorityStart = schemeEnd + 3
            let authority = rest[authorityStart...]
            if let slash = authority.firstIndex(of: UInt8(ascii: "/")) {
                rest = rest[slash...]
            } else if let question = authority.firstIndex(of: UInt8(ascii: "?")) {
                return ("/", String(decoding: rest[(question + 1)...], as: UTF8.self))
            } else {
                return ("/", nil)
            }
        }
        if let fragment = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[rest.startIndex..<fragment] }
        guard let question = rest.firstIndex(of: UInt8(ascii: "?")) else {
            return (String(decoding: rest, as: UTF8.self), nil)
        }
        return (
            String(decoding: rest[rest.startIndex..<question], as: UTF8.self),
            String(decoding: rest[(question + 1)...], as: UTF8.self)
        )
    }

    private static func findSchemeSeparator(_ target: ArraySlice<UInt8>) -> Int? {
        let lower = target.prefix(8).map { $0 | 0x20 }
        if lower.starts(with: "http://".utf8) { return target.startIndex + 4 }
        if lower.starts(with: "https://".utf8) { return target.startIndex + 5 }
        return nil
    }

    /// Splits `name: value`, validating the name (a token, no space before the colon, no obs-fold)
    /// and the value (no control characters other than HTAB), trimming optional whitespace.
    static func parseHeaderLine(
        _ line: ArraySlice<UInt8>
    ) throws(HTTPParseError) -> (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
        if let first = line.first, first == 0x20 || first == 0x09 {
            throw .invalidHeader("obsolete line folding (a line starting with whitespace) is not allowed")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw .invalidHeader("a header line has no colon")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { throw .invalidHeader("empty header name") }
        guard name.allSatisfy({ isTokenByte[Int($0)] }) else {
            throw .invalidHeader("header name \"\(printable(name))\" has characters outside the token set")
        }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
            throw .invalidHeader("the value of \"\(printable(name))\" contains control characters")
        }
        return (name, value)
    }

    static func classify(_ name: ArraySlice<UInt8>) -> KnownHeader {
        switch name.count {
        case 4 where equalsIgnoringCase(name, "host"): .host
        case 10 where equalsIgnoringCase(name, "connection"): .connection
        case 14 where equalsIgnoringCase(name, "content-length"): .contentLength
        case 17 where equalsIgnoringCase(name, "transfer-encoding"): .transferEncoding
        default: .other
        }
    }

    static func parseContentLength(_ value: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        guard !value.isEmpty, value.count <= 18, value.allSatisfy(isDigit) else {
            throw .invalidContentLength("\"\(printable(value))\" is not a decimal number of at most 18 digits")
        }
        return value.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// Reads `close` / `keep-alive` from a `Connection` value (comma-separated tokens).
    static func connectionTokens(_ value: ArraySlice<UInt8>, close: inout Bool, keepAlive: inout Bool) {
        for token in value.split(separator: UInt8(ascii: ",")) {
            var token = token
            while let first = token.first, first == 0x20 || first == 0x09 { token = token.dropFirst() }
            while let last = token.last, last == 0x20 || last == 0x09 { token = token.dropLast() }
            if token.count == 5 && equalsIgnoringCase(token, "close") { close = true }
            if token.count == 10 && equalsIgnoringCase(token, "keep-alive") { keepAlive = true }
        }
    }

    /// ASCII case-insensitive comparison with a lower-case literal.
    static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        return lower.withUTF8Buffer { literal in
            var index = bytes.startIndex
            for expected in literal {
                let byte = bytes[index]
                let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
                if folded != expected { return false }
                index += 1
            }
            return true
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// At most 64 bytes of untrusted input, control characters replaced, for error messages.
    static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(64).map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }
}
