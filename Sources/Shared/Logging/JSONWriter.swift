import Logging

/// Builds one JSON object as text, with strict string escaping (quotes, backslash, every
/// control character, U+2028/U+2029); non-ASCII text stays UTF-8.
struct JSONWriter {
    private(set) var text = "{"
    private var isFirst = true

    mutating func key(_ key: String) {
        if !isFirst { text.append(",") }
        isFirst = false
        Self.appendString(key, to: &text)
        text.append(":")
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        Self.appendString(value, to: &text)
    }

    mutating func field(_ name: String, _ value: Logger.MetadataValue) {
        key(name)
        Self.appendValue(value, to: &text)
    }

    mutating func finish() -> String {
        text.append("}")
        return text
    }

    static func appendValue(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let string):
            appendString(string, to: &out)
        case .stringConvertible(let convertible):
            switch convertible {
            case let bool as Bool: out.append(bool ? "true" : "false")
            case let int as any BinaryInteger: out.append("\(int)")
            case let double as Double where double.isFinite: out.append("\(double)")
            case let float as Float where float.isFinite: out.append("\(float)")
            default: appendString(convertible.description, to: &out)
            }
        case .array(let values):
            out.append("[")
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(",") }
                appendValue(element, to: &out)
            }
            out.append("]")
        case .dictionary(let dictionary):
            out.append("{")
            for (index, (key, element)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(",") }
                appendString(key, to: &out)
                out.append(":")
                appendValue(element, to: &out)
            }
            out.append("}")
        }
    }

    static func appendString(_ string: String, to out: inout String) {
        out.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case "\u{08}": out.append("\\b")
            case "\u{0C}": out.append("\\f")
            case "\u{2028}": out.append("\\u2028")
            case "\u{2029}": out.append("\\u2029")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }
}
