#if canImport(Glibc)
import Glibc
#endif
import SharedCore

/// Parsers for configuration value text. Each returns nil when the text is not allowed.
enum ConfigParsing {
    /// true/false, yes/no, on/off, 1/0 (any case).
    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    static func parseInt(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = Int(text.trimmingASCIIWhitespace), range.contains(value) else { return nil }
        return value
    }

    static func parseDouble(_ text: String, in range: ClosedRange<Double>) -> Double? {
        guard let value = Double(text.trimmingASCIIWhitespace), value.isFinite, range.contains(value)
        else { return nil }
        return value
    }

    /// An IPv4 or IPv6 address literal (checked with `inet_pton`).
    static func isIPLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// `host:port[,host:port...]`, IPv6 as `[::1]:9092`; returns the list normalized (trimmed,
    /// no empty entries) or nil.
    static func parseBrokers(_ text: String) -> String? {
        let entries = text.split(separator: ",").map { String($0).trimmingASCIIWhitespace }
        guard !entries.isEmpty else { return nil }
        for entry in entries {
            guard let colon = entry.lastIndex(of: ":") else { return nil }
            let host = entry[..<colon]
            guard !host.isEmpty, parseInt(String(entry[entry.index(after: colon)...]), in: 1...65535) != nil else {
                return nil
            }
            if host.contains(":"), !(host.hasPrefix("[") && host.hasSuffix("]")) { return nil }
            if host.contains(where: { $0.isWhitespace || $0 == "/" }) { return nil }
        }
        return entries.joined(separator: ",")
    }

    /// `value` without a fractional part when it has none: `0`, `2.5`.
    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
