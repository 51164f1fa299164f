import SharedKafka
import SharedOrders

/// One message for the dead-letter topic: the original key, value and headers plus the
/// `dlq_*` headers of docs/CONTRACT.md.
struct DeadLetter: Sendable {
    static let reasonHeader = "dlq_reason"
    static let sourceTopicHeader = "dlq_source_topic"
    static let sourcePartitionHeader = "dlq_source_partition"
    static let sourceOffsetHeader = "dlq_source_offset"
    static let failedAtHeader = "dlq_failed_at"
    /// `dlq_reason` values are cut to this many bytes (a broken order can list many problems).
    static let maxReasonBytes = 1024

    var key: [UInt8]?
    /// The original value; nil stays nil (a null value is not an empty one).
    var value: [UInt8]?
    var headers: [(String, [UInt8])]
    /// The validation code (the `reason` metric label).
    var reasonCode: String
    var source: TopicPartitionOffset

    /// Builds the letter for `message` that failed with `error`.
    ///
    /// `dlq_reason` = `<code>: <problem>; <problem>…` (e.g. `total_mismatch: total_amount: 24.00
    /// is not the sum of the lines 25.00`), `dlq_failed_at` = RFC 3339 UTC with milliseconds.
    init(message: KafkaMessage, error: OrderDecodingError, failedAt: OrderTimestamp = .now()) {
        let code = error.code.rawValue
        let details = error.problems.map { problem in
            problem.field.isEmpty ? problem.message : "\(problem.field): \(problem.message)"
        }.joined(separator: "; ")
        var reason = Array("\(code): \(details)".utf8)
        if reason.count > Self.maxReasonBytes {
            reason = Array(reason.prefix(Self.maxReasonBytes))
            // Do not leave half a UTF-8 sequence at the end.
            while let last = reason.last, last & 0xC0 == 0x80 { reason.removeLast() }
            if let last = reason.last, last >= 0xC0 { reason.removeLast() }
        }
        key = message.key
        value = message.value
        reasonCode = code
        source = TopicPartitionOffset(topic: message.topic, partition: message.partition, offset: message.offset)
        headers = message.headers
        headers.append((Self.reasonHeader, reason))
        headers.append((Self.sourceTopicHeader, Array(message.topic.utf8)))
        headers.append((Self.sourcePartitionHeader, Array(String(message.partition).utf8)))
        headers.append((Self.sourceOffsetHeader, Array(String(message.offset).utf8)))
        headers.append((Self.failedAtHeader, Array(failedAt.description.utf8)))
    }
}
