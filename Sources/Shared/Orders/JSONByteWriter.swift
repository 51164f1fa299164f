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
        // Common case: a native string needing no escapes; reserves exactly what it writes.
        let isCopied = text.utf8.withContiguousStorageIfAvailable { utf8 in
            guard !OutputSpan<UInt8>.containsEscapes(utf8) else { return false }
            write(maximumCount: utf8.count + 2) { $0.appendQuoted(plain: utf8) }
            return true
        }
        if isCopied != true {
            write(maximumCount: Self.maximumCount(ofString: text)) { $0.appendJSONString(text) }
        }
    }

    /// The most bytes `integer` or `cents` writes: a sign, 19 digits, a point.
    public static let maximumNumberCount = 21

    /// Appends a decimal integer.
    public mutating func integer(_ value: Int64) {
        write(maximumCount: Self.maximumNumberCount) { $0.appendDecimal(signed: value) }
    }

    /// Appends `cents` as a decimal number with exactly two decimals (`1250` → `12.50`).
    public mutating func cents(_ cents: Int64) {
        write(maximumCount: Self.maximumNumberCount) { $0.appendCents(cents) }
    }

    /// Appends an unsigned integer left-padded with zeros to `minimumDigits`.
    mutating func unsigned(_ value: UInt64, minimumDigits: Int) {
        write(maximumCount: max(20, minimumDigits)) { $0.appendDecimal(value, minimumDigits: minimumDigits) }
    }

    /// Reserves room for `maximumCount` more bytes and lets `body` write up to that many in one
    /// go (the `OutputSpan` JSON methods): one capacity check for a whole run of tokens.
    @inline(__always)
    public mutating func write(maximumCount: Int, _ body: (inout OutputSpan<UInt8>) -> Void) {
        bytes.append(addingCapacity: maximumCount, initializingWith: body)
    }

    /// The most bytes `string(text)` can write: the quotes and every byte escaped as `\u00XX`.
    /// Without a scan of `text` (the writer scans it once, as it copies it): a bound for a
    /// reservation, which costs capacity, not bytes written.
    @inline(__always)
    public static func maximumCount(ofString text: String) -> Int {
        2 + 6 * text.utf8.count
    }
}
