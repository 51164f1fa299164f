import Synchronization

extension KafkaConsumer {
    /// Restarts fetching `partitions` from the offset after the last message `poll` handed
    /// out (the committed offset when none was since the assignment), forgetting what is
    /// buffered for them, and resumes them.
    ///
    /// The consumer pipeline calls this when it resumes after a pause: the restart position
    /// is then what the application has really processed, not librdkafka's idea of it
    /// (a defensive choice: it does not rely on librdkafka's pause/resume position handling,
    /// which changed upstream in 2.1.0 and 2.4.0). Nothing is skipped and nothing is handed
    /// out twice. Wraps `rd_kafka_resume_partitions`, `rd_kafka_committed`, `rd_kafka_seek_partitions`.
    public func rewind(_ partitions: [TopicPartition]) async throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let wanted = Set(partitions)
        let (handed, unknown, isInternallyPaused) = state.withLock { s in
            s.userPaused.subtract(wanted)
            s.positionEpoch += 1
            s.buffer.removeAll { wanted.contains($0.topicPartition) }
            var handed: [TopicPartitionOffset] = []
            var unknown: [TopicPartition] = []
            for partition in partitions {
                if let offset = s.handedOffsets[partition] {
                    handed.append(TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: offset))
                } else {
                    unknown.append(partition)
                }
            }
            return (handed, unknown, s.isInternallyPaused)
        }
        var targets = handed
        if !unknown.isEmpty {
            let client = self.client
            let committed = try await KafkaBlocking.run("rewind") { () throws(KafkaError) in
                try client.committedBlocking(unknown, timeout: .seconds(10))
            }
            targets += committed.filter { $0.offset >= 0 }
        }
        if !isInternallyPaused { try client.resume(partitions) }
        try client.seek(targets)
    }
}
