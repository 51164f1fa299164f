@testable import ConsumerService
@testable import SharedKafka
@testable import SharedOrders
import Synchronization
import Testing

@Suite struct WriteLaneTests {
    private func batch(partition: Int32, offsets: Range<Int64>) throws -> OrderBatch {
        var batch = OrderBatch()
        let orders = try ConsumerTestSupport.orders(offsets.count, instance: "LANE\(partition)X\(offsets.lowerBound)")
        for (order, offset) in zip(orders, offsets) {
            let message = KafkaMessage(
                topic: "t", partition: partition, offset: offset, key: nil, value: [], headers: [], timestampMs: nil)
            batch.add(message, order: OrderRecord(order: order, topic: "t", partition: partition, offset: offset), letter: nil)
        }
        return batch
    }

    @Test func takesEverythingQueuedInOrderAsOneBatch() async throws {
        let lane = WriteLane<OrderBatch>()
        lane.append(try batch(partition: 0, offsets: 0..<3))
        lane.append(try batch(partition: 1, offsets: 0..<2))
        lane.append(try batch(partition: 0, offsets: 3..<5))
        let taken = try #require(await lane.next())
        #expect(taken.messageCount == 7)
        #expect(taken.records.filter { $0.partition == 0 }.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(taken.commits[TopicPartition(topic: "t", partition: 0)]?.offset == 5)
    }

    @Test func aWaitingTakerGetsTheNextAppendAndCloseEndsIt() async throws {
        let lane = WriteLane<OrderBatch>()
        let taker = Task { await lane.next() }
        try await Task.sleep(for: .milliseconds(50))
        lane.append(try batch(partition: 2, offsets: 10..<11))
        #expect(await taker.value?.messageCount == 1)
        let ended = Task { await lane.next() }
        try await Task.sleep(for: .milliseconds(50))
        lane.close()
        #expect(await ended.value == nil)
        lane.append(try batch(partition: 2, offsets: 11..<12))  // closed: dropped
        #expect(await lane.next() == nil)
    }

    @Test func waitForRoomHoldsTheProducerUntilTheQueueIsTaken() async throws {
        let lane = WriteLane<OrderBatch>()
        lane.append(try batch(partition: 0, offsets: 0..<4))
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
