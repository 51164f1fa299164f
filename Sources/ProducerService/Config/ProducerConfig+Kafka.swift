import SharedConfig
import SharedKafka

extension ProducerConfig {
    /// The librdkafka producer settings these keys describe: brokers, security/SASL, compression,
    /// linger, batch size, queue bound, statistics interval; idempotence and `acks=all` always.
    /// Topic auto-creation by metadata requests is off (`allow.auto.create.topics=false`): the
    /// topic is created only through `kafka.create_topics`, so a missing topic shows as "not
    /// ready" instead of appearing with broker defaults. Pass-through properties
    /// (`KAFKATRACE_KAFKA_<property>`) are applied last.
    var kafkaProducerConfiguration: KafkaProducerConfiguration {
        let kafkaCommon = common.kafka
        var configuration = KafkaProducerConfiguration(bootstrapServers: kafkaCommon.brokers)
        configuration.clientID = "kafkatrace-producer-\(instanceID.lowercased())"
        configuration.compression = kafka.compression
        configuration.linger = .milliseconds(kafka.lingerMs)
        configuration.batchSizeBytes = kafka.batchSizeBytes
        configuration.queueMaxMessages = kafka.queueMaxMessages
        configuration.statisticsInterval = .milliseconds(kafkaCommon.statisticsIntervalMs)
        var extra = kafkaCommon.connectionProperties(for: .producer)
        if kafkaPassthrough["allow.auto.create.topics"] == nil { extra["allow.auto.create.topics"] = "false" }
        configuration.extraProperties = extra
        return configuration
    }

    /// `order.rate` / `order.jitter` / `order.burst` as the pacer's rate.
    var generatorRate: RatePacer.Rate {
        switch orders.rate {
        case .unlimited: .unlimited
        case .perSecond(let rate): rate <= 0 ? .disabled : .perSecond(rate)
        }
    }
}
