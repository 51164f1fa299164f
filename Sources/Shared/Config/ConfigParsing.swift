import Foundation

/// Parsers for configuration value text. Each returns nil when the text is not allowed.
enum ConfigParsing {
    static let booleanKeys: Set<String> = ["kafka.create_topics"]

    static func isBooleanKey(_ spec: ConfigKeySpec) -> Bool { booleanKeys.contains(spec.key) }

    /// true/false, yes/no, on/off, 1/0 (any case).
    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    static func parseInt(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else { return nil }
        return value
    }

    static func parseDouble(_ text: String, in range: ClosedRange<Double>) -> Double? {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value)
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
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
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

    /// Kafka's topic name rule: 1–249 of `a-z A-Z 0-9 . _ -`, not `.` or `..`.
    static func isTopicName(_ text: String) -> Bool {
        guard (1...249).contains(text.count), text != ".", text != ".." else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }

    /// `[A-Z0-9]{4,16}`.
    static func isInstanceID(_ text: String) -> Bool {
        (4...16).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }

    /// A random `[A-Z0-9]{8}` instance id.
    static func randomInstanceID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<8).map { _ in alphabet.randomElement()! })
    }
}
