/// The few text helpers the daemons need, without Foundation (docs/benchmarks.md, RSS).
extension String {
    /// The string without leading and trailing spaces, tabs and newlines (`\r\n` too: scalars,
    /// not characters, for `"\r\n"` is one `Character` equal to neither `"\r"` nor `"\n"`).
    public var trimmingASCIIWhitespace: String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// The string followed by spaces up to `width` characters; unchanged when it is as long.
    public func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

extension Double {
    /// The value with exactly `decimals` digits after the point, rounded half away from zero
    /// (`12.3456` with 2 → `"12.35"`); `"nan"`, `"inf"` or `"-inf"` when not finite.
    public func fixed(decimals: Int) -> String {
        guard isFinite else { return isNaN ? "nan" : (self < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        guard scaled < 9.0e18 else { return String(self) }
        let digits = String(UInt64(scaled))
        let sign = self < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        let point = padded.index(padded.endIndex, offsetBy: -decimals)
        return sign + padded[..<point] + "." + padded[point...]
    }
}
