@testable import ProducerService
@testable import SharedConfig
@testable import SharedKafka
import Testing

/// How `ProducerConfig` maps onto the librdkafka producer and the generator's pacer.
@Suite struct ProducerConfigMappingTests {
    private func load(_ environment: [String: String]) throws -> ProducerConfig {
        try ProducerConfig.load(arguments: [], environment: environment)
    }

    @Test func producerCarriesTheKeysSecurityAndPassthroughWithIdempotenceAlwaysOn() throws {
        let config = try load([
            "KAFKATRACE_KAFKA_BROKERS": "b1:9093,b2:9093", "KAFKATRACE_PRODUCER_INSTANCE_ID": "EU01",
            "KAFKATRACE_KAFKA_COMPRESSION": "zstd", "KAFKATRACE_KAFKA_LINGER_MS": "7",
            "KAFKATRACE_KAFKA_BATCH_SIZE": "65536", "KAFKATRACE_KAFKA_QUEUE_MAX_MESSAGES": "5000",
            "KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS": "0",
            "KAFKATRACE_KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKATRACE_KAFKA_SASL_MECHANISM": "PLAIN",
            "KAFKATRACE_KAFKA_SASL_USERNAME": "svc", "KAFKATRACE_KAFKA_SASL_PASSWORD": "s3cret",
            "KAFKATRACE_KAFKA_batch.num.messages": "123",
        ])
        let properties = config.kafkaProducerConfiguration.properties
        #expect(properties["bootstrap.servers"] == "b1:9093,b2:9093")
        #expect(properties["client.id"] == "kafkatrace-producer-eu01")
        #expect(properties["compression.type"] == "zstd")
        #expect(properties["linger.ms"] == "7")
        #expect(properties["batch.size"] == "65536")
        #expect(properties["queue.buffering.max.messages"] == "5000")
        #expect(properties["statistics.interval.ms"] == "0")
        #expect(properties["security.protocol"] == "sasl_ssl")
        #expect(properties["sasl.mechanism"] == "PLAIN")
        #expect(properties["sasl.username"] == "svc" && properties["sasl.password"] == "s3cret")
        #expect(properties["batch.num.messages"] == "123")
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["acks"] == "all")
        // A missing topic must show as "not ready", never be auto-created with broker defaults.
        #expect(properties["allow.auto.create.topics"] == "false")
    }

    @Test func autoCreateCanOnlyBeTurnedOnExplicitly() throws {
        let config = try load(["KAFKATRACE_KAFKA_allow.auto.create.topics": "true"])
        #expect(config.kafkaProducerConfiguration.properties["allow.auto.create.topics"] == "true")
    }

    @Test(arguments: [
        ("unlimited", RatePacer.Rate.unlimited), ("0", .disabled), ("250", .perSecond(250)),
    ])
    func orderRateBecomesThePacerRate(text: String, rate: RatePacer.Rate) throws {
        #expect(try load(["KAFKATRACE_ORDER_RATE": text]).generatorRate == rate)
    }
}
