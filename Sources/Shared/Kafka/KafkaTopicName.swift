/// Kafka's rule for topic names.
public enum KafkaTopicName {
    /// The longest name a broker accepts.
    public static let maxLength = 249

    /// 1–``maxLength`` of `a-z A-Z 0-9 . _ -`, and not `.` or `..`.
    public static func isValid(_ name: String) -> Bool {
        guard (1...maxLength).contains(name.count), name != ".", name != ".." else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }
}
