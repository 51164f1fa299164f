/// Appends JSON tokens to a byte buffer; the hand-written, allocation-light encoder behind
/// `OrderCodec.encode` (no `JSONEncoder`, no `Mirror`, no intermediate `String`).
///
/// The writer does not track structure: callers emit `{`, `,`, keys and values in order.
public struct JSONByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer, keeping its storage for the next value.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends one raw ASCII byte such as `{`, `,` or `:`.
    @inline(__always)
    public mutating func raw(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends raw, already-valid JSON text (for fixed keys like `"order_id":`).
    @inline(__always)
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends `text` as a quoted JSON string, escaping `"`, `\` and control characters
    /// (as `\n`, `\t`, ... or `\u00XX`); everything else is copied as UTF-8.
    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Common case: a native string needing no escapes, scanned and copied as one contiguous
        // buffer (iterating `text.utf8` byte by byte costs an index computation per byte).
        let isCopied = text.utf8.withContiguousStorageIfAvailable { utf8 in
            guard !utf8.contains(where: Self.needsEscape) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if isCopied == true {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        if !text.utf8.contains(where: Self.needsEscape) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for b in text.utf8 {
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                bytes.append(b)
                continue
            }
            bytes.append(UInt8(ascii: "\\"))
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                bytes.append(UInt8(ascii: "u"))
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "0"))
                bytes.append(Self.hexDigit(b >> 4))
                bytes.append(Self.hexDigit(b & 0xF))
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a decimal integer.
    public mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        unsigned(value.magnitude, minimumDigits: 1)
    }

    /// Appends `cents` as a decimal number with exactly two decimals (`1250` → `12.50`).
    public mutating func cents(_ cents: Int64) {
        if cents < 0 { bytes.append(UInt8(ascii: "-")) }
        let m = cents.magnitude
        unsigned(m / 100, minimumDigits: 1)
        bytes.append(UInt8(ascii: "."))
        unsigned(m % 100, minimumDigits: 2)
    }

    /// Appends an unsigned integer left-padded with zeros to `minimumDigits`. The digits are
    /// gathered as nibbles in an integer (divisions by the constant 10 only), then appended most
    /// significant first: no write-back into the buffer and no table.
    mutating func unsigned(_ value: UInt64, minimumDigits: Int) {
        var rest = value
        var nibbles: UInt64 = 0  // the digits, most significant in the lowest nibble
        var digits = 0
        repeat {
            if digits == 16 {  // 17 digits or more: append the high part first, then these 16
                unsigned(rest, minimumDigits: minimumDigits - 16)
                appendNibbles(nibbles, count: 16)
                return
            }
            nibbles = nibbles << 4 | (rest % 10)
            rest /= 10
            digits += 1
        } while rest > 0
        if minimumDigits > digits {
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: minimumDigits - digits))
        }
        appendNibbles(nibbles, count: digits)
    }

    /// Appends `count` decimal digits stored as nibbles, the lowest nibble first.
    @inline(__always)
    private mutating func appendNibbles(_ nibbles: UInt64, count: Int) {
        var rest = nibbles
        for _ in 0..<count {
            bytes.append(UInt8(ascii: "0") | UInt8(truncatingIfNeeded: rest & 0xF))
            rest >>= 4
        }
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
