@testable import ConsumerService
@testable import SharedConfig
@testable import SharedKafka
import Testing

/// How `ConsumerConfig` maps onto the librdkafka clients and the pipeline.
@Suite struct ConsumerConfigMappingTests {
    private func load(_ environment: [String: String]) throws -> ConsumerConfig {
        try ConsumerConfig.load(arguments: [], environment: environment)
    }

    @Test func groupConsumerNeverAutoCommitsAndCarriesSecurityAndPassthrough() throws {
        let config = try load([
            "KAFKATRACE_KAFKA_BROKERS": "b1:9093,b2:9093",
            "KAFKATRACE_KAFKA_GROUP_ID": "order-processors-eu",
            "KAFKATRACE_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "KAFKATRACE_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
            "KAFKATRACE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKATRACE_KAFKA_SASL_USERNAME": "svc",
            "KAFKATRACE_KAFKA_SASL_PASSWORD": "s3cret",
            "KAFKATRACE_KAFKA_ssl.ca.location": "/etc/ssl/kafka-ca.pem",
        ])
        let properties = config.kafkaConsumerConfiguration.properties
        #expect(properties["bootstrap.servers"] == "b1:9093,b2:9093")
        #expect(properties["group.id"] == "order-processors-eu")
        #expect(properties["session.timeout.ms"] == "6000")
        #expect(properties["auto.offset.reset"] == "earliest")
        #expect(properties["security.protocol"] == "sasl_ssl")
        #expect(properties["sasl.mechanism"] == "SCRAM-SHA-512")
        #expect(properties["sasl.username"] == "svc")
        #expect(properties["sasl.password"] == "s3cret")
        #expect(properties["ssl.ca.location"] == "/etc/ssl/kafka-ca.pem")
        #expect(properties["enable.auto.commit"] == "false")
        #expect(properties["enable.auto.offset.store"] == "false")
        #expect(properties["fetch.wait.max.ms"] == "100")  // a pass-through value wins (below)

        let dlq = config.deadLetterProducerConfiguration.properties
        #expect(dlq["bootstrap.servers"] == "b1:9093,b2:9093")
        #expect(dlq["enable.idempotence"] == "true")
        #expect(dlq["acks"] == "all")
        #expect(dlq["sasl.password"] == "s3cret")
        #expect(dlq["ssl.ca.location"] == "/etc/ssl/kafka-ca.pem")
    }

    /// librdkafka warns (CONFWARN) when a client gets a property of the other role: each client
    /// gets only the pass-through properties librdkafka defines for it.
    @Test func passthroughGoesToTheClientsItIsDefinedFor() throws {
        let config = try load([
            "KAFKATRACE_KAFKA_fetch.wait.max.ms": "10", "KAFKATRACE_KAFKA_auto.commit.interval.ms": "1000",
            "KAFKATRACE_KAFKA_batch.num.messages": "2", "KAFKATRACE_KAFKA_socket.keepalive.enable": "true",
            "KAFKATRACE_KAFKA_no.such.property": "1",
        ])
        let consumer = config.kafkaConsumerConfiguration.properties
        let dlq = config.deadLetterProducerConfiguration.properties
        #expect(consumer["fetch.wait.max.ms"] == "10")
        #expect(consumer["auto.commit.interval.ms"] == "1000")
        #expect(consumer["batch.num.messages"] == nil)
        #expect(dlq["fetch.wait.max.ms"] == nil)
        #expect(dlq["auto.commit.interval.ms"] == nil)
        #expect(dlq["batch.num.messages"] == "2")
        // Both roles: both clients. Unknown to librdkafka: both, so librdkafka refuses it loudly.
        #expect(consumer["socket.keepalive.enable"] == "true" && dlq["socket.keepalive.enable"] == "true")
        #expect(consumer["no.such.property"] == "1" && dlq["no.such.property"] == "1")
    }

    @Test(arguments: ["enable.auto.commit", "enable.auto.offset.store", "enable.idempotence"])
    func guaranteePropertiesCannotBePassedThrough(property: String) throws {
        let error = #expect(throws: ConfigError.self) { try load(["KAFKATRACE_KAFKA_\(property)": "true"]) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("librdkafka property \(property) cannot be changed: "))
        #expect(text.contains("KAFKATRACE_KAFKA_\(property)"))
        var raw = KafkaConsumerConfiguration(bootstrapServers: "b:9092", groupID: "g")
        raw.extraProperties = ["enable.auto.commit": "true"]
        #expect(raw.properties["enable.auto.commit"] == "false")
    }

    @Test func pipelineTuningComesFromConsumerKeys() throws {
        let config = try load([
            "KAFKATRACE_CONSUMER_BATCH_SIZE": "2000", "KAFKATRACE_CONSUMER_BATCH_MAX_WAIT_MS": "250",
            "KAFKATRACE_CONSUMER_BREAKER_FAILURES": "3", "KAFKATRACE_CONSUMER_BREAKER_RESET_MS": "1500",
            "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "8000", "KAFKATRACE_KAFKA_TOPIC": "orders-eu",
        ])
        let pipeline = config.pipelineConfiguration
        #expect(pipeline.topic == "orders-eu")
        #expect(pipeline.batchSize == 2000)
        #expect(pipeline.batchMaxWait == .milliseconds(250))
        #expect(pipeline.breakerFailures == 3)
        #expect(pipeline.breakerReset == .milliseconds(1500))
        #expect(pipeline.shutdownTimeout == .seconds(8))
        #expect(config.kafkaConsumerConfiguration.bufferCapacity == 4000)  // two batches
    }
}
