import CRdKafka
import Glibc

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
        // Packed into one buffer (`KafkaHeaders`): one allocation for all of them.
        var headers = KafkaHeaders()
        var headerList: OpaquePointer?
        if rd_kafka_message_headers(pointer, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var name: UnsafePointer<CChar>?
            var bytes: UnsafeRawPointer?
            var size = 0
            func header(_ index: Int) -> (name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
                guard rd_kafka_header_get_all(headerList, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    return nil
                }
                return (
                    UnsafeRawBufferPointer(start: name, count: name.map { strlen($0) } ?? 0),
                    UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : size)
                )
            }
            var count = 0
            var total = 0
            while let (name, value) = header(count) {
                total += name.count + value.count
                count += 1
            }
            headers.reserve(count: count, bytes: total)
            for index in 0..<count {
                guard let (name, value) = header(index) else { break }
                headers.append(name: name, value: value)
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
        return .success(
            KafkaMessage(
                topic: topic, partition: message.partition, offset: message.offset, key: key, value: value,
                packedHeaders: headers, timestampMs: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp))
    }

    /// Commits `offsets` and waits up to `timeout` for the group coordinator's answer; blocking,
    /// dedicated thread only. `rd_kafka_commit` would wait without a bound (while no coordinator
    /// is reachable, for as long as Kafka is down), so the commit goes to a private queue that
    /// is polled with the timeout; an answer arriving later is dropped with the queue (the
    /// commit may still have been applied: the caller treats it as not committed).
    /// Wraps `rd_kafka_commit_queue`, `rd_kafka_queue_poll`, `rd_kafka_event_error`,
    /// `rd_kafka_event_topic_partition_list`.
    func commitBlocking(_ offsets: [TopicPartitionOffset], timeout: Duration) throws(KafkaError) {
        try ensureOpen("commit")
        guard !offsets.isEmpty else { return }
        let context = "commit \(offsets.map(\.description).joined(separator: ","))"
        let list = RDKafkaTopicPartitionList(offsets)
        guard let queue = rd_kafka_queue_new(handle) else {
            throw .from(code: .fail, message: "rd_kafka_queue_new failed", context: context)
        }
        defer { rd_kafka_queue_destroy(queue) }
        let err = rd_kafka_commit_queue(handle, list.pointer, queue, nil, nil)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(code: KafkaErrorCode(err), context: context) }
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let event = rd_kafka_queue_poll(queue, Self.milliseconds(remaining)) else {
                throw .from(code: .timedOut, message: "no answer from the group coordinator within \(timeout)", context: context)
            }
            defer { rd_kafka_event_destroy(event) }
            guard rd_kafka_event_type(event) == RD_KAFKA_EVENT_OFFSET_COMMIT else { continue }
            let eventError = rd_kafka_event_error(event)
            if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
                let message = rd_kafka_event_error_string(event).map { String(cString: $0) }
                throw .from(code: KafkaErrorCode(eventError), message: message, context: context)
            }
            if let error = RDKafkaTopicPartitionList.firstError(rd_kafka_event_topic_partition_list(event), context: "commit") {
                throw error
            }
            return
        }
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

    /// What `rd_kafka_offsets_for_times` looks up when given these special timestamps.
    enum OffsetBound: Int64 {
        /// The log start offset (low watermark): `RD_KAFKA_OFFSET_BEGINNING`.
        case earliest = -2
        /// The log end offset (high watermark): `RD_KAFKA_OFFSET_END`.
        case latest = -1
    }

    /// The earliest or latest offset of each partition, asked from the partition leaders;
    /// blocking, at most `timeout` (a background query: refused once closing).
    ///
    /// Not `rd_kafka_query_watermark_offsets`: in librdkafka 2.0.2 its wait has no deadline once
    /// the requests are sent, and its response handler retries for as long as the brokers'
    /// reconnect attempts change their state, i.e. forever while Kafka is down (a stop of the
    /// consumer hung on it). `rd_kafka_offsets_for_times` sends the same ListOffsets request,
    /// one per leader for all partitions, and gives up at its deadline.
    /// Wraps `rd_kafka_offsets_for_times`.
    func listOffsetsBlocking(
        _ partitions: [TopicPartition], _ bound: OffsetBound, timeout: Duration
    ) throws(KafkaError) -> [TopicPartitionOffset] {
        guard !partitions.isEmpty else { return [] }
        return try query("list offsets") { () throws(KafkaError) in
            let list = RDKafkaTopicPartitionList(
                partitions.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: bound.rawValue) })
            let err = rd_kafka_offsets_for_times(handle, list.pointer, Self.milliseconds(timeout))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw .from(code: KafkaErrorCode(err), context: "list \(bound) offsets of \(partitions.count) partition(s)")
            }
            if let error = list.firstError(context: "list \(bound) offsets") { throw error }
            return list.offsets
        }
    }

    /// Committed offsets from the group coordinator; blocking. Wraps `rd_kafka_committed`.
    /// A background query: refused once closing.
    func committedBlocking(_ partitions: [TopicPartition], timeout: Duration) throws(KafkaError) -> [TopicPartitionOffset] {
        try query("committed") { () throws(KafkaError) in
            let list = RDKafkaTopicPartitionList(partitions)
            let err = rd_kafka_committed(handle, list.pointer, Self.milliseconds(timeout))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(code: KafkaErrorCode(err), context: "committed") }
            return list.offsets
        }
    }

    /// Leaves the group (serving the final revoke on this thread). Wraps `rd_kafka_consumer_close`.
    func consumerCloseBlocking() {
        _ = rd_kafka_consumer_close(handle)
    }
}
