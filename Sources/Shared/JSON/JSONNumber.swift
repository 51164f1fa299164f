/// A JSON number kept as an exact decimal: `(isNegative ? -1 : 1) × significand × 10^exponent`.
///
/// The parser never goes through `Double`, so `12.5`, `12.50` and `1250e-2` are the same value
/// and money converts to integer cents exactly. Trailing zeros are folded into the exponent
/// (`12.50` is stored as `125e-1`), so equal values compare equal.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// True for values below zero (zero itself is never negative).
    package private(set) var isNegative: Bool
    /// The significant digits without trailing zeros.
    package private(set) var significand: UInt64
    /// The power of ten the significand is scaled by.
    package private(set) var exponent: Int
    /// False when the literal had more significant digits than a `UInt64` holds:
    /// the value is then only approximate and every exact accessor returns nil.
    package private(set) var isExact: Bool

    /// Makes `±significand × 10^exponent`, normalising trailing zeros and negative zero.
    package init(isNegative: Bool = false, significand: UInt64, exponent: Int = 0, isExact: Bool = true) {
        var s = significand
        var e = exponent
        if s == 0 {
            e = 0
        } else {
            while s % 10 == 0 {
                s /= 10
                e += 1
            }
        }
        self.isNegative = isNegative && s != 0
        self.significand = s
        self.exponent = e
        self.isExact = isExact
    }

    /// An integer value.
    package init(_ value: Int64) {
        self.init(isNegative: value < 0, significand: value.magnitude, exponent: 0)
    }

    /// A money amount given in integer cents (`1250` is `12.5`).
    package init(cents: Int64) {
        self.init(isNegative: cents < 0, significand: cents.magnitude, exponent: -2)
    }

    /// True for zero.
    package var isZero: Bool { significand == 0 }

    /// The value when it is an integer that fits an `Int64`, else nil (`2.0` is 2, `2.5` is nil).
    package var int64Value: Int64? { scaled(decimals: 0) }

    /// `value × 10^decimals` when that is an integer fitting an `Int64`, else nil.
    /// `scaled(decimals: 2)` turns money into cents and is nil for more than 2 decimals.
    package func scaled(decimals: Int) -> Int64? {
        guard isExact else { return nil }
        if significand == 0 { return 0 }
        let e = exponent &+ decimals
        guard e >= 0, e <= 19 else { return nil }
        var m = significand
        for _ in 0..<e {
            let (p, overflow) = m.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            m = p
        }
        if isNegative {
            if m == UInt64(Int64.max) + 1 { return Int64.min }
            return m <= UInt64(Int64.max) ? -Int64(m) : nil
        }
        return m <= UInt64(Int64.max) ? Int64(m) : nil
    }

    /// The value as a plain decimal (`12.5`, `1000`, `-0.05`), as a person would write it; the
    /// scientific `description` when that would take over 40 digits or the value is inexact.
    package var decimalText: String {
        guard isExact, exponent >= -40, exponent <= 40 else { return description }
        let sign = isNegative ? "-" : ""
        let digits = String(significand)
        if exponent >= 0 { return sign + digits + String(repeating: "0", count: exponent) }
        let padded = String(repeating: "0", count: max(0, -exponent + 1 - digits.count)) + digits
        let point = padded.index(padded.endIndex, offsetBy: exponent)
        return sign + padded[..<point] + "." + padded[point...]
    }

    /// Scientific notation of the stored value, e.g. `125e-1`; for messages and debugging.
    public var description: String {
        let sign = isNegative ? "-" : ""
        let approx = isExact ? "" : "~"
        return exponent == 0 ? "\(approx)\(sign)\(significand)" : "\(approx)\(sign)\(significand)e\(exponent)"
    }
}
