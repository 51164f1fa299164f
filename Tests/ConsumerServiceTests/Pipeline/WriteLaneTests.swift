@testable import ConsumerService
@testable import SharedKafka
import Synchronization
import Testing

@Suite struct WriteLaneTests {
    private func batch(partition: Int32, offsets: Range<Int64>) -> PolledMessages {
        PolledMessages(messages: offsets.map {
            KafkaMessage(topic: "t", partition: partition, offset: $0, key: nil, value: [], headers: [], timestampMs: nil)
        })
    }

    @Test func takesEverythingQueuedInOrderAsOneBatch() async throws {
        let lane = WriteLane()
        lane.append(batch(partition: 0, offsets: 0..<3))
        lane.append(batch(partition: 1, offsets: 0..<2))
        lane.append(batch(partition: 0, offsets: 3..<5))
        let taken = try #require(await lane.next())
        #expect(taken.messageCount == 7)
        #expect(taken.messages.filter { $0.partition == 0 }.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(taken.messages.filter { $0.partition == 1 }.map(\.offset) == [0, 1])
    }

    @Test func aWaitingTakerGetsTheNextAppendAndCloseEndsIt() async throws {
        let lane = WriteLane()
        let taker = Task { await lane.next() }
        try await Task.sleep(for: .milliseconds(50))
        lane.append(batch(partition: 2, offsets: 10..<11))
        #expect(await taker.value?.messageCount == 1)
        let ended = Task { await lane.next() }
        try await Task.sleep(for: .milliseconds(50))
        lane.close()
        #expect(await ended.value == nil)
        lane.append(batch(partition: 2, offsets: 11..<12))  // closed: dropped
        #expect(await lane.next() == nil)
    }

    @Test func waitForRoomHoldsTheProducerUntilTheQueueIsTaken() async throws {
        let lane = WriteLane()
        lane.append(batch(partition: 0, offsets: 0..<4))
        let released = Mutex(false)
        let waiter = Task {
            await lane.waitForRoom(limit: 4)  // 4 queued: no room below 4
            released.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(released.withLock { $0 } == false)
        _ = await lane.next()
        await waiter.value
        #expect(released.withLock { $0 })
        await lane.waitForRoom(limit: 4)  // empty: at once
    }
}
