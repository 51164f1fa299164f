import CRdKafka

extension RDKafkaClient {
    /// Joins the group for `topics`. Wraps `rd_kafka_subscribe`.
    func subscribe(topics: [String]) throws(KafkaError) {
        try ensureOpen("subscribe")
        let list = RDKafkaTopicPartitionList(topics.map { TopicPartition(topic: $0, partition: -1) })
        let err = rd_kafka_subscribe(handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .from(code: KafkaErrorCode(err), context: "subscribe to \(topics.joined(separator: ","))")
        }
    }

    /// One message or nil within `timeoutMs`; also serves rebalance, stats and error callbacks.
    /// Errors carried by messages are returned as `.failure`. Wraps `rd_kafka_consumer_poll`.
    func consumerPoll(timeoutMs: Int32) -> Result<KafkaMessage, KafkaError>? {
        guard let pointer = rd_kafka_consumer_poll(handle, timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(pointer) }
        let message = pointer.pointee
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let text = message.payload.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: message.len), as: UTF8.self)
            }
            return .failure(
                .from(code: KafkaErrorCode(message.err), message: text, context: "consume \(topic)[\(message.partition)]"))
        }
        // A NULL payload is a null value (tombstone); a non-NULL one of length 0 is empty.
        let value = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) }
        let key = message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) }
        var headers: [(String, [UInt8])] = []
        var headerList: OpaquePointer?
        if rd_kafka_message_headers(pointer, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>?
            var bytes: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let headerValue = bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append((name.map { String(cString: $0) } ?? "", headerValue))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
        return .success(
            KafkaMessage(
                topic: topic, partition: message.partition, offset: message.offset, key: key, value: value,
                headers: headers, timestampMs: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp))
    }

    /// Synchronous commit; blocking, dedicated thread only. Wraps `rd_kafka_commit(async=0)`.
    func commitBlocking(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try ensureOpen("commit")
        guard !offsets.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(offsets)
        let err = rd_kafka_commit(handle, list.pointer, 0)
        let context = "commit \(offsets.map(\.description).joined(separator: ","))"
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .from(code: KafkaErrorCode(err), context: context)
        }
        if let error = list.firstError(context: "commit") { throw error }
    }

    /// Wraps `rd_kafka_pause_partitions`.
    func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try ensureOpen("pause")
        guard !partitions.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(partitions)
        let err = rd_kafka_pause_partitions(handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(code: KafkaErrorCode(err), context: "pause") }
    }

    /// Wraps `rd_kafka_resume_partitions`.
    func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try ensureOpen("resume")
        guard !partitions.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(partitions)
        let err = rd_kafka_resume_partitions(handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(code: KafkaErrorCode(err), context: "resume") }
    }

    /// Moves the fetch position of `offsets` (asynchronously: `timeout_ms` 0; anything fetched
    /// from the old position is discarded by librdkafka). Wraps `rd_kafka_seek_partitions`.
    func seek(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try ensureOpen("seek")
        guard !offsets.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(offsets)
        if let error = rd_kafka_seek_partitions(handle, list.pointer, 0) {
            let code = KafkaErrorCode(rd_kafka_error_code(error))
            rd_kafka_error_destroy(error)
            throw .from(code: code, context: "seek")
        }
        // With timeout 0 every partition reports _IN_PROGRESS: the seek is under way.
        if let error = list.firstError(context: "seek"), error.code != KafkaErrorCode(RD_KAFKA_RESP_ERR__IN_PROGRESS) { throw error }
    }

    /// The current assignment. Wraps `rd_kafka_assignment`.
    func assignment() throws(KafkaError) -> [TopicPartition] {
        try ensureOpen("assignment")
        var pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(handle, &pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let pointer else {
            throw .from(code: KafkaErrorCode(err), context: "assignment")
        }
        return RDKafkaTopicPartitionList(adopting: pointer).offsets.map(\.topicPartition)
    }

    /// Next offsets to be consumed (-1001 when unknown). Wraps `rd_kafka_position` (no I/O).
    func positions(_ partitions: [TopicPartition]) -> [TopicPartitionOffset] {
        let list = RDKafkaTopicPartitionList(partitions)
        _ = rd_kafka_position(handle, list.pointer)
        return list.offsets
    }

    /// Cached low/high watermarks from the last fetch. Wraps `rd_kafka_get_watermark_offsets`.
    func cachedWatermarks(_ partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// Low/high watermarks asked from the partition leader; blocking.
    /// Wraps `rd_kafka_query_watermark_offsets`.
    func queryWatermarksBlocking(_ partition: TopicPartition, timeout: Duration) throws(KafkaError) -> (low: Int64, high: Int64) {
        try ensureOpen("query watermarks")
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(
            handle, partition.topic, partition.partition, &low, &high, Self.milliseconds(timeout))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .from(code: KafkaErrorCode(err), context: "query watermarks \(partition)")
        }
        return (low, high)
    }

    /// Committed offsets from the group coordinator; blocking. Wraps `rd_kafka_committed`.
    func committedBlocking(_ partitions: [TopicPartition], timeout: Duration) throws(KafkaError) -> [TopicPartitionOffset] {
        try ensureOpen("committed")
        let list = RDKafkaTopicPartitionList(partitions)
        let err = rd_kafka_committed(handle, list.pointer, Self.milliseconds(timeout))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(code: KafkaErrorCode(err), context: "committed") }
        return list.offsets
    }

    /// Leaves the group (serving the final revoke on this thread). Wraps `rd_kafka_consumer_close`.
    func consumerCloseBlocking() {
        _ = rd_kafka_consumer_close(handle)
    }
}
