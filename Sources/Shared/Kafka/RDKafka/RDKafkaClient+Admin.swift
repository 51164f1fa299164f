import CRdKafka

extension RDKafkaClient {
    /// Fetches cluster metadata (all topics when `topic` is nil). Blocking: dedicated thread only.
    /// Wraps `rd_kafka_metadata`.
    /// A background query: refused once closing.
    func metadataBlocking(topic: String?, timeout: Duration) throws(KafkaError) -> KafkaMetadata {
        try query("metadata") { () throws(KafkaError) in try requestMetadata(topic: topic, timeout: timeout) }
    }

    private func requestMetadata(topic: String?, timeout: Duration) throws(KafkaError) -> KafkaMetadata {
        let topicHandle = topic.flatMap { rd_kafka_topic_new(handle, $0, nil) }
        defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
        var result: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(
            handle, topic == nil ? 1 : 0, topicHandle, &result, Self.milliseconds(timeout))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let result else {
            throw .from(code: KafkaErrorCode(err), context: "metadata for \(topic ?? "all topics")")
        }
        defer { rd_kafka_metadata_destroy(result) }
        let md = result.pointee
        let brokers = (0..<Int(md.broker_cnt)).map { index in
            let broker = md.brokers[index]
            return KafkaMetadata.Broker(id: broker.id, host: String(cString: broker.host), port: broker.port)
        }
        let topics = (0..<Int(md.topic_cnt)).map { index in
            let entry = md.topics[index]
            let partitions = (0..<Int(entry.partition_cnt)).map { p in
                let partition = entry.partitions[p]
                return KafkaMetadata.Partition(
                    id: partition.id, leader: partition.leader,
                    replicas: Array(UnsafeBufferPointer(start: partition.replicas, count: Int(partition.replica_cnt))),
                    inSyncReplicas: Array(UnsafeBufferPointer(start: partition.isrs, count: Int(partition.isr_cnt))),
                    error: KafkaErrorCode(partition.err))
            }
            return KafkaMetadata.Topic(
                name: String(cString: entry.topic), partitions: partitions.sorted { $0.id < $1.id },
                error: KafkaErrorCode(entry.err))
        }
        return KafkaMetadata(brokers: brokers, topics: topics, originatingBrokerID: md.orig_broker_id)
    }

    /// Creates a topic through the Admin API; TOPIC_ALREADY_EXISTS counts as success.
    /// Blocking: dedicated thread only. Wraps `rd_kafka_CreateTopics` on a private queue.
    /// A background query: refused once closing.
    func createTopicBlocking(
        name: String, partitions: Int32, replicationFactor: Int32, timeout: Duration
    ) throws(KafkaError) {
        try query("create topic \(name)") { () throws(KafkaError) in
            try requestTopicCreation(name: name, partitions: partitions, replicationFactor: replicationFactor, timeout: timeout)
        }
    }

    private func requestTopicCreation(
        name: String, partitions: Int32, replicationFactor: Int32, timeout: Duration
    ) throws(KafkaError) {
        let context = "create topic \(name) (partitions \(partitions), replication \(replicationFactor))"
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(name, partitions, replicationFactor, &errorBuffer, errorBuffer.count)
        else {
            throw .invalidArgument(context: context, reason: Self.string(errorBuffer))
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        let timeoutMs = Self.milliseconds(timeout)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errorBuffer, errorBuffer.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errorBuffer, errorBuffer.count)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(handle, &topics, 1, options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
            throw .from(code: .timedOut, context: context)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            let message = rd_kafka_event_error_string(event).map { String(cString: $0) }
            throw .from(code: KafkaErrorCode(eventError), message: message, context: context)
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw .from(code: .fail, message: "no CreateTopics result in the admin event", context: context)
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let code = KafkaErrorCode(rd_kafka_topic_result_error(topicResult))
            if code != .noError && code != .topicAlreadyExists {
                let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                throw .from(code: code, message: message, context: context)
            }
        }
    }
}
