import SharedKafka

/// Messages as polled, not decoded yet: what the poll loop queues on a write lane. The lane
/// decodes them itself (`OrderConsumerPipeline.decode`), so the lanes decode in parallel and the
/// poll loop only polls and routes.
struct PolledMessages: Sendable {
    /// In poll order (each partition's messages in offset order).
    var messages: [KafkaMessage] = []
    /// When the poll that handed out the oldest of them returned (`OrderBatch.polledAt`).
    var polledAt: ContinuousClock.Instant = .now

    var isEmpty: Bool { messages.isEmpty }
    var messageCount: Int { messages.count }

    /// Appends messages polled later.
    mutating func append(_ later: PolledMessages) {
        polledAt = isEmpty ? later.polledAt : min(polledAt, later.polledAt)
        messages += later.messages
    }

    /// `messages` of one poll split by `lane` (every partition must have one), each part in poll
    /// order, so each partition's messages stay whole and in order on their lane.
    static func split(
        _ messages: [KafkaMessage], polledAt: ContinuousClock.Instant, by lane: [TopicPartition: Int]
    ) -> [Int: PolledMessages] {
        // All on one lane (one lane, or one partition): the array as it is, nothing copied.
        if let only = lane.values.first, lane.values.allSatisfy({ $0 == only }) {
            return [only: PolledMessages(messages: messages, polledAt: polledAt)]
        }
        var parts: [Int: PolledMessages] = [:]
        for message in messages {
            let index = lane[message.topicPartition] ?? 0
            parts[index, default: PolledMessages(polledAt: polledAt)].messages.append(message)
        }
        return parts
    }
}
