@testable import ConsumerService
@testable import SharedKafka
import Testing

@Suite struct PolledMessagesTests {
    private func message(_ partition: Int32, _ offset: Int64) -> KafkaMessage {
        KafkaMessage(topic: "t", partition: partition, offset: offset, key: nil, value: [], headers: [], timestampMs: nil)
    }

    private func tp(_ partition: Int32) -> TopicPartition { TopicPartition(topic: "t", partition: partition) }

    private func positions(_ part: PolledMessages?) -> [String] {
        (part?.messages ?? []).map { "\($0.partition):\($0.offset)" }
    }

    @Test func splitsByLaneKeepingEachPartitionWholeAndInOrder() {
        let polled = [message(0, 0), message(1, 0), message(2, 0), message(0, 1), message(3, 0), message(2, 1), message(0, 2)]
        let at = ContinuousClock.now
        let parts = PolledMessages.split(polled, polledAt: at, by: [tp(0): 0, tp(1): 1, tp(2): 1, tp(3): 0])
        #expect(parts.keys.sorted() == [0, 1])
        #expect(positions(parts[0]) == ["0:0", "0:1", "3:0", "0:2"])
        #expect(positions(parts[1]) == ["1:0", "2:0", "2:1"])
        #expect(parts[0]?.polledAt == at && parts[1]?.polledAt == at)
        #expect(PolledMessages.split([], polledAt: at, by: [:]).isEmpty)
    }

    @Test func partitionsAllOnOneLaneGoThereAsPolled() {
        let polled = [message(2, 0), message(1, 0), message(2, 1)]
        let at = ContinuousClock.now
        let parts = PolledMessages.split(polled, polledAt: at, by: [tp(1): 1, tp(2): 1])
        #expect(parts.keys.sorted() == [1])
        #expect(positions(parts[1]) == ["2:0", "1:0", "2:1"])
        #expect(parts[1]?.polledAt == at)
    }

    @Test func appendKeepsPollOrderAndTheOldestPollTime() {
        let first = ContinuousClock.now
        var queued = PolledMessages(messages: [message(0, 0), message(0, 1)], polledAt: first)
        queued.append(PolledMessages(messages: [message(0, 2)], polledAt: first + .milliseconds(5)))
        #expect(positions(queued) == ["0:0", "0:1", "0:2"])
        #expect(queued.messageCount == 3 && queued.polledAt == first)
        var empty = PolledMessages()
        #expect(empty.isEmpty)
        empty.append(queued)
        #expect(empty.polledAt == first && empty.messageCount == 3)
    }
}
