/// A W3C Trace Context `traceparent` value: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
///
/// Parsing follows the spec: lowercase hex only, version `ff` is invalid, version `00` is exactly
/// 55 characters, later versions may append `-…` which is ignored; all-zero trace or parent
/// ids are invalid. Generated values are version 00 with the sampled flag (`01`).
public struct TraceParent: Sendable, Hashable, CustomStringConvertible {
    /// High and low 64 bits of the 16-byte trace id (never both zero).
    var traceIDHigh: UInt64
    var traceIDLow: UInt64
    /// The 8-byte parent (span) id (never zero).
    var parentID: UInt64
    /// Trace flags; bit 0 = sampled.
    public var flags: UInt8

    /// Makes a value from its parts; throws for all-zero ids.
    public init(traceIDHigh: UInt64, traceIDLow: UInt64, parentID: UInt64, flags: UInt8 = 1) throws(OrderError) {
        func fail(_ reason: String) -> OrderError {
            .invalidTraceParent(Self.format(traceIDHigh, traceIDLow, parentID, flags), reason: reason)
        }
        guard traceIDHigh != 0 || traceIDLow != 0 else { throw fail("trace id is all zeros") }
        guard parentID != 0 else { throw fail("parent id is all zeros") }
        self.traceIDHigh = traceIDHigh
        self.traceIDLow = traceIDLow
        self.parentID = parentID
        self.flags = flags
    }

    /// A new random trace (sampled).
    public static func generate(using rng: inout some RandomNumberGenerator) -> TraceParent {
        random(using: &rng)
    }

    /// A new random trace from the fast generator: the concrete overload, so that callers in
    /// other modules get the draws specialised and inlined, not through a generic witness.
    public static func generate(using rng: inout Xoshiro256StarStar) -> TraceParent {
        random(using: &rng)
    }

    private static func random(using rng: inout some RandomNumberGenerator) -> TraceParent {
        var high: UInt64 = 0, low: UInt64 = 0, parent: UInt64 = 0
        while high == 0 && low == 0 {
            high = rng.next()
            low = rng.next()
        }
        while parent == 0 { parent = rng.next() }
        return try! TraceParent(traceIDHigh: high, traceIDLow: low, parentID: parent)  // ids are non-zero
    }

    /// A new random trace from a generator seeded by the system.
    public static func generate() -> TraceParent {
        var rng = SplitMix64()
        return generate(using: &rng)
    }

    /// The same trace with a new random parent id (for the next hop).
    func child(using rng: inout some RandomNumberGenerator) -> TraceParent {
        var copy = self
        copy.parentID = 0
        while copy.parentID == 0 { copy.parentID = rng.next() }
        return copy
    }

    /// Parses a header value.
    public init(parsing text: String) throws(OrderError) {
        let b = Array(text.utf8)
        func fail(_ reason: String) -> OrderError { .invalidTraceParent(text, reason: reason) }
        guard b.count >= 55 else { throw fail("too short (\(b.count) characters, need 55)") }
        guard let version = Self.hex(b, 0, 2) else { throw fail("version is not 2 lowercase hex digits") }
        guard version != 0xFF else { throw fail("version ff is forbidden") }
        if version == 0 && b.count != 55 { throw fail("version 00 must be exactly 55 characters") }
        if b.count > 55 && b[55] != UInt8(ascii: "-") { throw fail("unexpected data after the flags") }
        guard b[2] == UInt8(ascii: "-"), b[35] == UInt8(ascii: "-"), b[52] == UInt8(ascii: "-") else {
            throw fail("fields must be separated by '-'")
        }
        guard let high = Self.hex(b, 3, 16), let low = Self.hex(b, 19, 16) else {
            throw fail("trace id is not 32 lowercase hex digits")
        }
        guard let parent = Self.hex(b, 36, 16) else { throw fail("parent id is not 16 lowercase hex digits") }
        guard let flags = Self.hex(b, 53, 2) else { throw fail("flags are not 2 lowercase hex digits") }
        guard high != 0 || low != 0 else { throw fail("trace id is all zeros") }
        guard parent != 0 else { throw fail("parent id is all zeros") }
        self.traceIDHigh = high
        self.traceIDLow = low
        self.parentID = parent
        self.flags = UInt8(flags)
    }

    /// Parses header bytes (as read from Kafka); nil-safe for non-UTF-8.
    public init(parsing bytes: [UInt8]) throws(OrderError) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidTraceParent("<\(bytes.count) bytes>", reason: "not UTF-8")
        }
        try self.init(parsing: text)
    }

    /// True when the sampled flag is set.
    var isSampled: Bool { flags & 1 == 1 }

    /// The 32-hex-digit trace id, the `trace_id` field in logs.
    public var traceID: String { Self.hexString(traceIDHigh) + Self.hexString(traceIDLow) }

    /// The 16-hex-digit parent id, the `span_id` field in logs.
    public var spanID: String { Self.hexString(parentID) }

    /// The length of a version-00 header value.
    public static let headerLength = 55

    /// The header value, `00-…-…-01`.
    public var description: String { String(decoding: headerValue, as: UTF8.self) }

    /// The header value as bytes.
    public var headerValue: [UInt8] {
        var bytes: [UInt8] = []
        writeHeaderValue(into: &bytes)
        return bytes
    }

    /// Replaces the contents of `bytes` with the header value (55 bytes), reusing its storage.
    public func writeHeaderValue(into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(addingCapacity: Self.headerLength) { out in
            Self.writeHeader(traceIDHigh, traceIDLow, parentID, flags, to: &out)
        }
    }

    /// Writes `00-<trace id>-<parent id>-<flags>` (`headerLength` bytes).
    private static func writeHeader(
        _ high: UInt64, _ low: UInt64, _ parent: UInt64, _ flags: UInt8, to out: inout OutputSpan<UInt8>
    ) {
        out.append(UInt8(ascii: "0"))
        out.append(UInt8(ascii: "0"))
        out.append(UInt8(ascii: "-"))
        out.appendHex(high)
        out.appendHex(low)
        out.append(UInt8(ascii: "-"))
        out.appendHex(parent)
        out.append(UInt8(ascii: "-"))
        out.appendHex(UInt64(flags), digits: 2)
    }

    private static func format(_ high: UInt64, _ low: UInt64, _ parent: UInt64, _ flags: UInt8) -> String {
        let bytes = [UInt8](capacity: headerLength) { writeHeader(high, low, parent, flags, to: &$0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The 16 hex digits of `v`, written as the header writes them.
    private static func hexString(_ v: UInt64) -> String {
        String(decoding: [UInt8](capacity: 16) { $0.appendHex(v) }, as: UTF8.self)
    }

    /// `count` lowercase hex digits at `from` (count ≤ 16), or nil.
    private static func hex(_ b: [UInt8], _ from: Int, _ count: Int) -> UInt64? {
        var v: UInt64 = 0
        for i in from..<from + count {
            let c = b[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            v = v << 4 | UInt64(d)
        }
        return v
    }
}
