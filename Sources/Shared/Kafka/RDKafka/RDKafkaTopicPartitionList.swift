import CRdKafka

/// Owns one `rd_kafka_topic_partition_list_t`; destroys it in `deinit`.
final class RDKafkaTopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// Wraps `rd_kafka_topic_partition_list_new` + `_add`.
    init(_ entries: [TopicPartitionOffset]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(1, entries.count)))
        for entry in entries {
            let element = rd_kafka_topic_partition_list_add(pointer, entry.topic, entry.partition)
            element?.pointee.offset = entry.offset
        }
    }

    convenience init(_ partitions: [TopicPartition]) {
        self.init(partitions.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: -1001) })
    }

    /// Takes ownership of a list librdkafka allocated for us.
    init(adopting pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    var offsets: [TopicPartitionOffset] { Self.offsets(pointer) }

    /// The first per-partition error, if any (commit results carry errors per partition).
    func firstError(context: String) -> KafkaError? {
        Self.firstError(pointer, context: context)
    }

    /// The first per-partition error of a borrowed list, if any.
    static func firstError(
        _ pointer: UnsafePointer<rd_kafka_topic_partition_list_t>?, context: String
    ) -> KafkaError? {
        guard let list = pointer?.pointee, list.cnt > 0, let elems = list.elems else { return nil }
        for index in 0..<Int(list.cnt) {
            let element = elems[index]
            if element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let topic = String(cString: element.topic)
                return .from(code: KafkaErrorCode(element.err), context: "\(context) \(topic)[\(element.partition)]")
            }
        }
        return nil
    }

    /// Copies a borrowed list into Swift values.
    static func offsets(_ pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartitionOffset] {
        guard let list = pointer?.pointee, list.cnt > 0, let elems = list.elems else { return [] }
        return (0..<Int(list.cnt)).map { index in
            let element = elems[index]
            return TopicPartitionOffset(
                topic: String(cString: element.topic), partition: element.partition, offset: element.offset)
        }
    }
}
