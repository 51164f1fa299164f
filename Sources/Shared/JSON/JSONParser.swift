/// A strict RFC 8259 JSON parser from bytes to `JSONValue`.
///
/// Built to be fed hostile input: it never traps, nesting is capped (`maxDepth`, so recursion
/// is bounded), strings must be valid UTF-8 with paired surrogates, numbers are kept as exact
/// decimals (`JSONNumber`), duplicate keys are an error, and nothing but whitespace may follow
/// the value. No byte-order mark, comments, trailing commas, `NaN` or `Infinity`.
package struct JSONParser {
    /// The default nesting limit; an order needs 3 levels.
    package static let defaultMaxDepth = 64

    package let bytes: [UInt8]
    package let end: Int
    package var index: Int
    package let maxDepth: Int

    package init(bytes: [UInt8], range: Range<Int>, maxDepth: Int) {
        self.bytes = bytes
        self.index = max(0, min(range.lowerBound, bytes.count))
        self.end = max(self.index, min(range.upperBound, bytes.count))
        self.maxDepth = maxDepth
    }

    /// Parses exactly one JSON value from `bytes[range]` (the whole array by default).
    /// Error offsets are indices into `bytes`.
    package static func parse(
        _ bytes: [UInt8], range: Range<Int>? = nil, maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, range: range ?? 0..<bytes.count, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < parser.end { throw JSONParseError(.trailingData, at: parser.index) }
        return value
    }

    /// Parses the UTF-8 of `text`; convenient in tests.
    package static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    // MARK: - Values

    package mutating func skipWhitespace() {
        while index < end {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    package func peek() throws(JSONParseError) -> UInt8 {
        guard index < end else { throw JSONParseError(.unexpectedEnd, at: index) }
        return bytes[index]
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        for k in 0..<count {
            let want = literal.withUTF8Buffer { $0[k] }
            guard index < end else { throw JSONParseError(.unexpectedEnd, at: index) }
            guard bytes[index] == want else { throw JSONParseError(.unexpectedByte(bytes[index]), at: index) }
            index += 1
        }
    }

    package mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        let b = try peek()
        switch b {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw JSONParseError(.invalidNumber, at: index)
        default:
            throw JSONParseError(.unexpectedByte(b), at: index)
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw JSONParseError(.tooDeep(limit: maxDepth), at: index) }
        index += 1  // [
        skipWhitespace()
        var elements: [JSONValue] = []
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            let b = try peek()
            index += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { return .array(elements) }
            throw JSONParseError(.unexpectedByte(b), at: index - 1)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw JSONParseError(.tooDeep(limit: maxDepth), at: index) }
        index += 1  // {
        skipWhitespace()
        var members: [JSONValue.Member] = []
        var seen: Set<String>? = nil  // built only for large objects
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyOffset = index
            let b = try peek()
            guard b == UInt8(ascii: "\"") else { throw JSONParseError(.unexpectedByte(b), at: index) }
            let key = try parseString()
            if seen != nil {
                if !seen!.insert(key).inserted { throw JSONParseError(.duplicateKey(key), at: keyOffset) }
            } else {
                for m in members where m.key == key { throw JSONParseError(.duplicateKey(key), at: keyOffset) }
                if members.count >= 16 { seen = Set(members.map(\.key) + [key]) }
            }
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw JSONParseError(.unexpectedByte(colon), at: index) }
            index += 1
            skipWhitespace()
            members.append(JSONValue.Member(key: key, value: try parseValue(depth: depth)))
            skipWhitespace()
            let sep = try peek()
            index += 1
            if sep == UInt8(ascii: ",") { continue }
            if sep == UInt8(ascii: "}") { return .object(members) }
            throw JSONParseError(.unexpectedByte(sep), at: index - 1)
        }
    }

    // MARK: - Strings

    package mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        var isASCII = true
        while index < end {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = bytes[start..<index]
                index += 1
                if isASCII { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw JSONParseError(.invalidUTF8, at: start)
                }
                return s
            }
            if b == UInt8(ascii: "\\") { return try parseEscapedString(start: start) }
            if b < 0x20 { throw JSONParseError(.controlCharacterInString, at: index) }
            if b >= 0x80 { isASCII = false }
            index += 1
        }
        throw JSONParseError(.unexpectedEnd, at: index)
    }

    /// Slow path: the string from `start` has escapes; `index` sits on the first backslash.
    private mutating func parseEscapedString(start: Int) throws(JSONParseError) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(index - start + 16)
        buffer.append(contentsOf: bytes[start..<index])
        while index < end {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                guard let s = String(validating: buffer, as: UTF8.self) else {
                    throw JSONParseError(.invalidUTF8, at: start)
                }
                return s
            }
            if b < 0x20 { throw JSONParseError(.controlCharacterInString, at: index) }
            if b != UInt8(ascii: "\\") {
                buffer.append(b)
                index += 1
                continue
            }
            let escapeOffset = index
            index += 1
            guard index < end else { throw JSONParseError(.unexpectedEnd, at: index) }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): buffer.append(0x22)
            case UInt8(ascii: "\\"): buffer.append(0x5C)
            case UInt8(ascii: "/"): buffer.append(0x2F)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    // High surrogate: a \uDC00-\uDFFF low surrogate must follow.
                    guard index + 1 < end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else { throw JSONParseError(.invalidUnicodeEscape, at: escapeOffset) }
                    index += 2
                    let low = try parseHex4()
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw JSONParseError(.invalidUnicodeEscape, at: escapeOffset)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw JSONParseError(.invalidUnicodeEscape, at: escapeOffset)
                }
                guard let u = Unicode.Scalar(scalar) else { throw JSONParseError(.invalidUnicodeEscape, at: escapeOffset) }
                buffer.append(contentsOf: UTF8.encode(u)!)
            default:
                throw JSONParseError(.invalidEscape, at: escapeOffset)
            }
        }
        throw JSONParseError(.unexpectedEnd, at: index)
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < end else { throw JSONParseError(.unexpectedEnd, at: index) }
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw JSONParseError(.invalidEscape, at: index)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    // MARK: - Numbers

    private func isDigit(_ i: Int) -> Bool {
        i < end && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, accumulated as an exact decimal.
    package mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard isDigit(index) else { throw JSONParseError(.invalidNumber, at: start) }

        var significand: UInt64 = 0
        var exponent = 0          // decimal point and dropped-digit adjustments
        var pendingZeros = 0      // zeros seen but not yet multiplied in
        var isExact = true

        func take(_ digit: UInt64, fractional: Bool) {
            if !isExact {
                if !fractional { exponent += 1 }  // a dropped integer digit still scales the value
                return
            }
            if fractional { exponent -= 1 }
            if digit == 0 {
                pendingZeros += 1
                return
            }
            var m = significand
            var ok = true
            for _ in 0...pendingZeros {
                let (p, o) = m.multipliedReportingOverflow(by: 10)
                if o { ok = false; break }
                m = p
            }
            let (s, o2) = m.addingReportingOverflow(digit)
            if ok && !o2 {
                significand = s
                pendingZeros = 0
            } else {
                // Too many significant digits: keep what fits, scale by the rest, mark inexact.
                isExact = false
                exponent += pendingZeros + 1
                pendingZeros = 0
            }
        }

        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { throw JSONParseError(.invalidNumber, at: start) }  // leading zero
        } else {
            while isDigit(index) {
                take(UInt64(bytes[index] - UInt8(ascii: "0")), fractional: false)
                index += 1
            }
        }
        if index < end && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { throw JSONParseError(.invalidNumber, at: start) }
            while isDigit(index) {
                take(UInt64(bytes[index] - UInt8(ascii: "0")), fractional: true)
                index += 1
            }
        }
        // Trailing zeros never multiplied in are folded into the exponent.
        exponent += pendingZeros
        if index < end && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            var expNegative = false
            if index < end && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                expNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard isDigit(index) else { throw JSONParseError(.invalidNumber, at: start) }
            var e = 0
            while isDigit(index) {
                if e < 1_000_000_000 { e = e * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                index += 1
            }
            exponent += expNegative ? -e : e
        }
        if significand == 0 && isExact { exponent = 0 }
        return JSONNumber(isNegative: negative, significand: significand, exponent: exponent, isExact: isExact)
    }
}
