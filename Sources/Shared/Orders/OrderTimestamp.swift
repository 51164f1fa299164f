import Synchronization
import FoundationEssentials

/// An instant with millisecond precision, written as RFC 3339 UTC: `2026-11-23T09:30:00.123Z`.
///
/// Parsing accepts any RFC 3339 `date-time` (`T`/`t`, `Z`/`z` or a `±HH:MM` offset, 0 or more
/// fraction digits, second 60 for leap seconds which rolls into the next minute) for years
/// 0001–9999; fractions beyond milliseconds are truncated. Output is always UTC with 3 decimals.
/// Pure integer calendar math (no `DateFormatter`), so it is cheap on the hot path.
public struct OrderTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    /// 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the range RFC 3339 text can carry.
    static let minMilliseconds: Int64 = -62_135_596_800_000
    static let maxMilliseconds: Int64 = 253_402_300_799_999

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The current wall-clock time, truncated to milliseconds.
    public static func now() -> OrderTimestamp {
        OrderTimestamp(date: Date())
    }

    /// `date` truncated (towards the past) to milliseconds, clamped to years 0001–9999.
    public init(date: Date) {
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        if ms.isNaN || ms <= Double(Self.minMilliseconds) {
            millisecondsSinceEpoch = Self.minMilliseconds
        } else if ms >= Double(Self.maxMilliseconds) {
            millisecondsSinceEpoch = Self.maxMilliseconds
        } else {
            millisecondsSinceEpoch = Int64(ms)
        }
    }

    /// The same instant as a `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000)
    }

    /// True when the instant can be written as RFC 3339 (years 0001–9999).
    var isRepresentable: Bool {
        millisecondsSinceEpoch >= Self.minMilliseconds && millisecondsSinceEpoch <= Self.maxMilliseconds
    }

    public static func < (a: OrderTimestamp, b: OrderTimestamp) -> Bool {
        a.millisecondsSinceEpoch < b.millisecondsSinceEpoch
    }

    /// UTC civil date and time parts.
    public struct Parts: Sendable, Equatable {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int
    }

    /// The UTC calendar parts of this instant (clamped to years 0001–9999 when out of range).
    public var parts: Parts {
        let ms = min(max(millisecondsSinceEpoch, Self.minMilliseconds), Self.maxMilliseconds)
        let days = Self.floorDiv(ms, 86_400_000)
        let msOfDay = Int(ms - days * 86_400_000)
        let (y, m, d) = Self.cachedCivil(fromDays: days)
        return Parts(
            year: y, month: m, day: d, hour: msOfDay / 3_600_000, minute: msOfDay / 60_000 % 60,
            second: msOfDay / 1000 % 60, millisecond: msOfDay % 1000)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var description: String {
        var w = JSONByteWriter(capacity: 24)
        write(to: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` (unquoted) to `writer`.
    public func write(to w: inout JSONByteWriter) {
        w.write(maximumCount: Self.maximumTextCount) { write(to: &$0) }
    }

    /// The most bytes `write` appends (a year of up to 20 digits).
    public static let maximumTextCount = 40

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` (unquoted) to reserved bytes (`maximumTextCount`).
    func write(to out: inout OutputSpan<UInt8>) {
        let p = parts
        Self.appendDate(p, separator: UInt8(ascii: "-"), to: &out)
        out.append(UInt8(ascii: "T"))
        out.appendDecimal(UInt64(p.hour), minimumDigits: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDecimal(UInt64(p.minute), minimumDigits: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDecimal(UInt64(p.second), minimumDigits: 2)
        out.append(UInt8(ascii: "."))
        out.appendDecimal(UInt64(p.millisecond), minimumDigits: 3)
        out.append(UInt8(ascii: "Z"))
    }

    /// `YYYYMMDD` of the UTC date, as used in order ids.
    var compactDate: String {
        String(decoding: [UInt8](capacity: Self.maximumTextCount) { writeCompactDate(to: &$0) }, as: UTF8.self)
    }

    /// Appends `YYYYMMDD` of the UTC date (order ids) to reserved bytes (`maximumTextCount`).
    func writeCompactDate(to out: inout OutputSpan<UInt8>) {
        Self.appendDate(parts, separator: nil, to: &out)
    }

    /// Appends the date of `p`, its fields joined by `separator` (none when nil).
    private static func appendDate(_ p: Parts, separator: UInt8?, to out: inout OutputSpan<UInt8>) {
        out.appendDecimal(UInt64(max(0, p.year)), minimumDigits: 4)
        if let separator { out.append(separator) }
        out.appendDecimal(UInt64(p.month), minimumDigits: 2)
        if let separator { out.append(separator) }
        out.appendDecimal(UInt64(p.day), minimumDigits: 2)
    }

    /// Parses an RFC 3339 `date-time`; nil when malformed or out of range.
    public init?(rfc3339 text: String) {
        guard let ms = Self.parse(Array(text.utf8)) else { return nil }
        millisecondsSinceEpoch = ms
    }

    // MARK: - Parsing

    private static func parse(_ b: [UInt8]) -> Int64? {
        // 0123456789012345678
        // YYYY-MM-DDTHH:MM:SS
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<from + count {
                let c = b[i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
            let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2),
            b[16] == UInt8(ascii: ":"), let second = num(17, 2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var i = 19
        var millis = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if i - fracStart < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
                i += 1
            }
            let digits = i - fracStart
            guard digits >= 1 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetMinutes = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count - i == 6, let oh = num(i + 1, 2), b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                oh <= 23, om <= 59
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetMinutes * 60)
        let ms = seconds * 1000 + Int64(millis)
        guard ms >= minMilliseconds && ms <= maxMilliseconds else { return nil }
        return ms
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The last day `cachedCivil` converted and its date, in one word: the day (as an `Int32`) in
    /// the high half, then year (16 bits), month and day (8 bits each). Orders are made and
    /// written by the thousand on the same day, each dated twice (id and `created_at`).
    private static let lastCivilDay = Atomic<UInt64>(UInt64(UInt32(bitPattern: Int32.min)) << 32)

    /// `civil(fromDays:)`, remembered for the last day asked (any thread; one atomic word, so a
    /// reader sees a day with its own date). `days` must be in the clamped range (years 1–9999).
    static func cachedCivil(fromDays days: Int64) -> (Int, Int, Int) {
        let key = UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: days))) << 32
        let cached = lastCivilDay.load(ordering: .relaxed)
        if cached & 0xFFFF_FFFF_0000_0000 == key {
            return (Int(cached >> 16 & 0xFFFF), Int(cached >> 8 & 0xFF), Int(cached & 0xFF))
        }
        let (y, m, d) = civil(fromDays: days)
        lastCivilDay.store(key | UInt64(y) << 16 | UInt64(m) << 8 | UInt64(d), ordering: .relaxed)
        return (y, m, d)
    }

    /// The proleptic Gregorian date for days since 1970-01-01 (`civil_from_days`).
    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}
