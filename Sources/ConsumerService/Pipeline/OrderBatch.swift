import SharedKafka
import SharedOrders
import SharedPostgres

/// A decoded batch, kept per partition: each partition's valid orders (and their COPY rows,
/// encoded at decode time), its dead letters and its commit position (highest offset + 1).
/// Kept per partition so a revoke drops a partition without re-encoding anything.
struct OrderBatch {
    /// One partition's share.
    struct Slice {
        var messageCount = 0
        var records: [OrderRecord] = []
        var rows = PostgresCopyRows(columnCount: OrderStore.columns.count)
        var letters: [DeadLetter] = []
        var commit = OffsetCommitter.Position(offset: .min, timestampMs: nil)
    }

    private(set) var slices: [TopicPartition: Slice] = [:]
    /// When the poll that handed out its oldest messages returned: a partition assigned after
    /// this instant was revoked since, so its messages here are stale (the new assignment reads
    /// them again from the committed offset).
    var polledAt: ContinuousClock.Instant = .now
    /// The text of each row's JSON and number columns, reused row after row (no allocation a row).
    private var scratch = JSONByteWriter(capacity: 0)

    var isEmpty: Bool { slices.isEmpty }
    var messageCount: Int { slices.values.reduce(0) { $0 + $1.messageCount } }
    var partitions: Set<TopicPartition> { Set(slices.keys) }
    var records: [OrderRecord] { slices.values.flatMap(\.records) }
    var letters: [DeadLetter] { slices.values.flatMap(\.letters) }
    var commits: [TopicPartition: OffsetCommitter.Position] { slices.mapValues(\.commit) }

    /// Every partition's COPY rows, one after the other.
    var rows: PostgresCopyRows {
        var all = PostgresCopyRows(
            columnCount: OrderStore.columns.count, reservingCapacity: slices.values.reduce(0) { $0 + $1.rows.bytes.count })
        for slice in slices.values { all.append(contentsOf: slice.rows) }
        return all
    }

    /// Adds one message's outcome: a valid order (with its COPY row) or a dead letter.
    mutating func add(_ message: KafkaMessage, order record: OrderRecord?, letter: DeadLetter?) {
        // One lookup, and the slice is changed in place (no copy of its rows).
        Self.add(
            message, order: record, letter: letter, to: &slices[message.topicPartition, default: Slice()],
            scratch: &scratch)
    }

    private static func add(
        _ message: KafkaMessage, order record: OrderRecord?, letter: DeadLetter?, to slice: inout Slice,
        scratch: inout JSONByteWriter
    ) {
        slice.messageCount += 1
        if let record {
            record.appendCopyRow(to: &slice.rows, scratch: &scratch)
            slice.records.append(record)
        }
        if let letter { slice.letters.append(letter) }
        if message.offset + 1 > slice.commit.offset {
            slice.commit = OffsetCommitter.Position(offset: message.offset + 1, timestampMs: message.timestampMs)
        }
    }

    /// Messages per topic (the consumed counter's label).
    var messageCountByTopic: [String: Int64] {
        var counts: [String: Int64] = [:]
        for (partition, slice) in slices { counts[partition.topic, default: 0] += Int64(slice.messageCount) }
        return counts
    }

    /// Forgets `partitions` (revoked, or no longer assigned).
    mutating func drop(_ partitions: Set<TopicPartition>) {
        for partition in partitions { slices[partition] = nil }
    }
}
