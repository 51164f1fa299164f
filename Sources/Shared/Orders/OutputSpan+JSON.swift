/// JSON tokens written straight into reserved, not yet initialized bytes: one capacity check for
/// a whole token (or a run of tokens) instead of one per byte, and bulk copies for text. The
/// writing side of `JSONByteWriter` (which reserves with `Array.append(addingCapacity:)`) and of
/// the other hot encoders (`TraceParent`, `OrderIDGenerator`).
///
/// Each method traps when the reservation is too small, before it writes: callers reserve an
/// upper bound of what they write (see `JSONByteWriter.maximumCount(ofString:)`).
extension OutputSpan where Element == UInt8 {
    /// Appends `text`'s bytes as they are (fixed JSON such as `,"order_id":`).
    @inline(__always)
    mutating func appendRaw(_ text: StaticString) {
        text.withUTF8Buffer { appendRaw($0) }
    }

    /// Appends `source` as it is, as one copy.
    @inline(__always)
    mutating func appendRaw(_ source: UnsafeBufferPointer<UInt8>) {
        guard let start = source.baseAddress, source.count > 0 else { return }
        precondition(source.count <= freeCapacity, "JSON output: reservation too small")
        withUnsafeMutableBufferPointer { buffer, initialized in
            (buffer.baseAddress! + initialized).initialize(from: start, count: source.count)
            initialized += source.count
        }
    }

    /// Appends `text` as a quoted JSON string, escaping `"`, `\` and control characters (as `\n`,
    /// `\t`, ... or `\u00XX`); everything else is copied as UTF-8. Needs at most
    /// `JSONByteWriter.maximumCount(ofString: text)` bytes.
    mutating func appendJSONString(_ text: String) {
        // Common case: a native string needing no escapes, scanned and copied as one buffer.
        let isCopied = text.utf8.withContiguousStorageIfAvailable { utf8 in
            guard !Self.containsEscapes(utf8) else { return false }
            appendQuoted(plain: utf8)
            return true
        }
        if isCopied != true {
            append(UInt8(ascii: "\""))
            for b in text.utf8 { appendEscaped(b) }
            append(UInt8(ascii: "\""))
        }
    }

    /// Appends `utf8`, known to need no escapes (`containsEscapes` false), as a quoted JSON
    /// string; needs `utf8.count + 2` bytes.
    @inline(__always)
    mutating func appendQuoted(plain utf8: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        appendRaw(utf8)
        append(UInt8(ascii: "\""))
    }

    /// Appends one byte of string content, escaped if JSON requires it.
    private mutating func appendEscaped(_ b: UInt8) {
        guard Self.needsEscape(b) else {
            append(b)
            return
        }
        append(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""): append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): append(UInt8(ascii: "\\"))
        case 0x0A: append(UInt8(ascii: "n"))
        case 0x0D: append(UInt8(ascii: "r"))
        case 0x09: append(UInt8(ascii: "t"))
        case 0x08: append(UInt8(ascii: "b"))
        case 0x0C: append(UInt8(ascii: "f"))
        default:
            append(UInt8(ascii: "u"))
            append(UInt8(ascii: "0"))
            append(UInt8(ascii: "0"))
            append(Self.hexDigit(b >> 4))
            append(Self.hexDigit(b & 0xF))
        }
    }

    /// Appends `value` in decimal, left-padded with zeros to `minimumDigits`; needs at most
    /// `max(20, minimumDigits)` bytes.
    @inline(__always)
    mutating func appendDecimal(_ value: UInt64, minimumDigits: Int = 1) {
        // Most numbers of an order are one or two digits (dates, times, quantities, cents): those
        // are written where the call is; the rest by `appendDecimalDigits`.
        if value < 100 && minimumDigits <= 2 {
            if value >= 10 || minimumDigits == 2 { append(UInt8(ascii: "0") | UInt8(truncatingIfNeeded: value / 10)) }
            append(UInt8(ascii: "0") | UInt8(truncatingIfNeeded: value % 10))
        } else {
            appendDecimalDigits(value, minimumDigits: minimumDigits)
        }
    }

    /// `appendDecimal` for any value and width.
    private mutating func appendDecimalDigits(_ value: UInt64, minimumDigits: Int) {
        var digits = 1
        var power: UInt64 = 10
        while digits < 20 && value >= power {
            digits += 1
            power = power &* 10
        }
        let width = max(digits, minimumDigits)
        precondition(width <= freeCapacity, "JSON output: reservation too small")
        withUnsafeMutableBufferPointer { buffer, initialized in
            // Two digits a step from the right, then the odd one; zeros fill the padding.
            let start = buffer.baseAddress! + initialized
            var rest = value
            var index = width
            while index >= 2 {
                let pair = UInt8(truncatingIfNeeded: rest % 100)
                rest /= 100
                index -= 2
                (start + index).initialize(to: UInt8(ascii: "0") | pair / 10)
                (start + index + 1).initialize(to: UInt8(ascii: "0") | pair % 10)
            }
            if index == 1 { start.initialize(to: UInt8(ascii: "0") | UInt8(truncatingIfNeeded: rest % 10)) }
            initialized += width
        }
    }

    /// Appends a signed decimal integer; needs at most `JSONByteWriter.maximumNumberCount` bytes.
    @inline(__always)
    mutating func appendDecimal(signed value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude)
    }

    /// Appends `cents` with exactly two decimals (`1250` → `12.50`); needs at most
    /// `JSONByteWriter.maximumNumberCount` bytes.
    mutating func appendCents(_ cents: Int64) {
        if cents < 0 { append(UInt8(ascii: "-")) }
        let m = cents.magnitude
        appendDecimal(m / 100)
        append(UInt8(ascii: "."))
        appendDecimal(m % 100, minimumDigits: 2)
    }

    /// Appends the low `digits` nibbles of `value` as lowercase hex, most significant first, one
    /// at a time: for short fields (the traceparent flags); all 16 take `appendHex(_:)`.
    @inline(__always)
    mutating func appendHex(_ value: UInt64, digits: Int) {
        var shift = digits * 4
        while shift > 0 {
            shift -= 4
            append(Self.hexDigit(UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xF))
        }
    }

    /// Appends all 16 nibbles of `value` as lowercase hex, most significant first, 8 at a time:
    /// each half is spread to one nibble a byte, then turned into ASCII in one word.
    @inline(__always)
    mutating func appendHex(_ value: UInt64) {
        precondition(16 <= freeCapacity, "JSON output: reservation too small")
        withUnsafeMutableBufferPointer { buffer, initialized in
            let start = UnsafeMutableRawPointer(buffer.baseAddress! + initialized)
            start.storeBytes(of: Self.hexWord(UInt32(truncatingIfNeeded: value >> 32)), as: UInt64.self)
            (start + 8).storeBytes(of: Self.hexWord(UInt32(truncatingIfNeeded: value)), as: UInt64.self)
            initialized += 16
        }
    }

    /// The 8 lowercase hex digits of `value` as the bytes of a word, ready to store (in memory
    /// order, most significant digit first).
    @inline(__always)
    static func hexWord(_ value: UInt32) -> UInt64 {
        var x = UInt64(value)
        x = (x | x << 16) & 0x0000_FFFF_0000_FFFF
        x = (x | x << 8) & 0x00FF_00FF_00FF_00FF
        x = (x | x << 4) & 0x0F0F_0F0F_0F0F_0F0F  // nibble i in byte i, least significant first
        let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101  // 1 where ≥ 10
        let ascii = x &+ 0x3030_3030_3030_3030 &+ letters &* (UInt64(UInt8(ascii: "a")) - 0x3A)
        // Stored as it is, a word puts its least significant byte first on a little-endian
        // machine: `bigEndian` puts the most significant digit at the lowest address on both.
        return ascii.bigEndian
    }

    /// True when `bytes` holds a byte that a JSON string must escape; checks 8 bytes a step.
    static func containsEscapes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let count = bytes.count
        guard count >= 8 else {
            for i in 0..<count where needsEscape(base[i]) { return true }
            return false
        }
        var i = 0
        while i &+ 8 <= count {
            if wordNeedsEscape(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
            i &+= 8
        }
        // The tail as the last 8 bytes, overlapping bytes already checked.
        return i < count && wordNeedsEscape(raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self))
    }

    /// True when one of the 8 bytes of `word` is below 0x20, `"` or `\` (the "has less" and
    /// "has zero byte" word tricks: exact as a yes/no answer).
    @inline(__always)
    private static func wordNeedsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        return (control | ((quote &- ones) & ~quote & highs) | ((backslash &- ones) & ~backslash & highs)) != 0
    }

    /// True for the bytes a JSON string must escape.
    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
