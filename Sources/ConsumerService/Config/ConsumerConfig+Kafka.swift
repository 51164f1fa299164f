import SharedConfig
import SharedKafka

extension ConsumerConfig {
    /// The group consumer's librdkafka settings: brokers, group, session timeout, statistics,
    /// security/SASL and pass-through properties; offsets are committed by the pipeline only
    /// (`enable.auto.commit=false`), a new group starts at `earliest`.
    var kafkaConsumerConfiguration: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: common.kafka.brokers, groupID: kafka.groupID)
        configuration.clientID = "kafkatrace-consumer"
        configuration.sessionTimeout = .milliseconds(kafka.sessionTimeoutMs)
        configuration.statisticsInterval = .milliseconds(common.kafka.statisticsIntervalMs)
        // Two batches ahead of the pipeline (the lanes hold their own queued batch): with the
        // stalled fetch restarted when due (`KafkaConsumer.pollTimeoutMs`), more buffer only
        // holds more memory while catching up (2 000 was ~5 % slower and ~2 MB higher:
        // docs/benchmarks.md, "Catching up without fetch gaps"). KafkaConsumerConfiguration
        // bounds librdkafka's side.
        configuration.bufferCapacity = max(1_000, consumer.batchSize * 2)
        configuration.extraProperties = common.kafka.connectionProperties(for: .consumer)
        return configuration
    }

    /// The dead-letter producer's settings: idempotent, `acks=all`, same brokers and security
    /// as the group consumer; a letter not acknowledged within 30 s counts as failed (and its
    /// offset is not committed).
    var deadLetterProducerConfiguration: KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: common.kafka.brokers)
        configuration.clientID = "kafkatrace-consumer-dlq"
        configuration.linger = .milliseconds(5)
        configuration.messageTimeout = .seconds(30)
        configuration.statisticsInterval = .zero
        configuration.extraProperties = common.kafka.connectionProperties(for: .producer)
        return configuration
    }

    /// The pipeline's tuning from `consumer.*` and `shutdown.timeout_ms`.
    var pipelineConfiguration: OrderConsumerPipeline.Configuration {
        var configuration = OrderConsumerPipeline.Configuration(topic: common.kafka.topic)
        configuration.batchSize = consumer.batchSize
        configuration.batchMaxWait = consumer.batchMaxWait
        configuration.breakerFailures = consumer.breakerFailures
        configuration.breakerReset = consumer.breakerReset
        configuration.joinGrace = consumer.joinGrace
        configuration.shutdownTimeout = common.shutdownTimeout
        configuration.revokeWait = min(.seconds(10), common.shutdownTimeout)
        return configuration
    }
}
