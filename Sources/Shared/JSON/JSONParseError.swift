/// Why `JSONParser` rejected its input, and the byte offset where it noticed.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of syntax problem.
    package enum Kind: Sendable, Equatable {
        /// The input ended inside a value (or was empty).
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte(UInt8)
        /// A number that breaks the JSON grammar (`01`, `1.`, `.5`, `1e`, `NaN`, `Infinity`).
        case invalidNumber
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// A `\u` escape that is a lone or mis-paired UTF-16 surrogate.
        case invalidUnicodeEscape
        /// String bytes that are not well-formed UTF-8.
        case invalidUTF8
        /// A raw control character (below U+0020) inside a string.
        case controlCharacterInString
        /// Arrays/objects nested deeper than the parser's limit.
        case tooDeep(limit: Int)
        /// The same key twice in one object (rejected: parsers disagree on which one wins).
        case duplicateKey(String)
        /// Something other than whitespace after the top-level value.
        case trailingData
    }

    package var kind: Kind
    /// Byte offset into the parsed input where the problem was detected.
    package var offset: Int

    package init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch kind {
        case .unexpectedEnd: what = "input ended inside a JSON value"
        case .unexpectedByte(let b):
            what = b >= 0x20 && b < 0x7F
                ? "unexpected character '\(Character(Unicode.Scalar(b)))'"
                : "unexpected byte 0x\(String(b, radix: 16))"
        case .invalidNumber: what = "malformed number (JSON allows -?digits[.digits][e±digits]; no NaN/Infinity, no leading zeros)"
        case .invalidEscape: what = "invalid escape (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"
        case .invalidUnicodeEscape: what = "\\u escape is an unpaired UTF-16 surrogate"
        case .invalidUTF8: what = "string is not valid UTF-8"
        case .controlCharacterInString: what = "raw control character in string (must be escaped)"
        case .tooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .duplicateKey(let key): what = "duplicate key \"\(key.prefix(64))\" in object"
        case .trailingData: what = "unexpected data after the JSON value"
        }
        return "\(what) at byte \(offset)"
    }
}
