@testable import ConsumerService
@testable import SharedKafka
@testable import SharedOrders
@testable import SharedPostgres
import Testing

@Suite struct OrderBatchTests {
    private func batch(_ counts: [Int32: Int], firstOffset: Int64 = 0) throws -> OrderBatch {
        var batch = OrderBatch()
        let orders = try ConsumerTestSupport.orders(counts.values.reduce(0, +), instance: "BATCH\(firstOffset)")
        var next = 0
        for (partition, count) in counts.sorted(by: { $0.key < $1.key }) {
            for index in 0..<count {
                let offset = firstOffset + Int64(index)
                let message = KafkaMessage(
                    topic: "t", partition: partition, offset: offset, key: nil, value: [], headers: [], timestampMs: 1000 + offset)
                let order = orders[next]
                next += 1
                batch.add(message, order: OrderRecord(order: order, topic: "t", partition: partition, offset: offset), letter: nil)
            }
        }
        return batch
    }

    private func tp(_ partition: Int32) -> TopicPartition { TopicPartition(topic: "t", partition: partition) }

    @Test func keepsEachPartitionsOrdersRowsAndPosition() throws {
        let b = try batch([0: 3, 1: 2])
        #expect(b.messageCount == 5)
        #expect(b.commits == [tp(0): .init(offset: 3, timestampMs: 1002), tp(1): .init(offset: 2, timestampMs: 1001)])
        #expect(b.rows.rowCount == 5)
        #expect(b.rows.bytes == OrderStore.encode(b.records).bytes)
        // Row after row through one reused scratch buffer: the same text as each record's
        // column values on their own (the parameter path).
        let separately = PostgresCopyRows(columnCount: OrderStore.columns.count, rows: b.records.map(\.columnValues))
        #expect(b.rows.bytes == separately.bytes)
    }

    @Test func partitionsRevokedOrAssignedAgainSinceThePollAreStale() throws {
        var b = try batch([0: 1, 1: 1, 2: 1])
        let polled = ContinuousClock.now
        b.polledAt = polled
        var s = OrderConsumerPipeline.State()
        s.assigned = [tp(0), tp(2)]  // 1 was revoked since
        s.assignedAt = [tp(0): polled - .seconds(5), tp(2): polled + .milliseconds(1)]  // 2 came back after the poll
        #expect(OrderConsumerPipeline.stalePartitions(of: b, in: s) == [tp(1), tp(2)])
        // A later poll's messages queued behind them keep the older instant: still stale as a whole.
        let message = { (offset: Int64) in
            KafkaMessage(topic: "t", partition: 2, offset: offset, key: nil, value: [], headers: [], timestampMs: nil)
        }
        let later = PolledMessages(messages: [message(5)], polledAt: polled + .milliseconds(2))
        var queued = PolledMessages(messages: [message(0)], polledAt: polled)
        queued.append(later)
        #expect(queued.polledAt == polled)
        var merged = try batch([2: 2])
        merged.polledAt = queued.polledAt
        #expect(OrderConsumerPipeline.stalePartitions(of: merged, in: s).contains(tp(2)))
        // An empty queue takes the instant of what is appended to it.
        var queue = PolledMessages(polledAt: polled - .seconds(60))
        queue.append(later)
        #expect(queue.polledAt == later.polledAt)
    }

    @Test func dropForgetsPartitions() throws {
        var b = try batch([0: 2, 1: 2])
        #expect(b.messageCount == 4)
        b.drop([tp(0)])
        #expect(b.partitions == [tp(1)])
        #expect(b.rows.rowCount == 2)
        b.drop([tp(1)])
        #expect(b.isEmpty)
    }
}
