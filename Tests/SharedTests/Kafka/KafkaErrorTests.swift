@testable import SharedKafka
import Testing

@Suite struct KafkaErrorTests {
    @Test func codesRoundTripAndUnknownValuesAreKept() {
        #expect(KafkaErrorCode(rawValue: -184) == .queueFull)
        #expect(KafkaErrorCode(rawValue: 36) == .topicAlreadyExists)
        #expect(KafkaErrorCode(rawValue: 9999) == .unknown(9999))
        #expect(KafkaErrorCode.unknown(9999).rawValue == 9999)
        #expect(KafkaErrorCode.notLeaderForPartition.rawValue == 6)
    }

    @Test func namesAndFlagsComeFromLibrdkafka() {
        #expect(KafkaErrorCode.queueFull.name == "_QUEUE_FULL")
        #expect(KafkaErrorCode.notLeaderForPartition.name == "NOT_LEADER_FOR_PARTITION")
        let queueFull = KafkaError.queueFull(context: "produce to t")
        #expect(queueFull.code == .queueFull && queueFull.isRetriable && !queueFull.isFatal)
        let fatal = KafkaError.from(code: .outOfOrderSequenceNumber, context: "producer", isFatal: true)
        #expect(fatal.isFatal && !fatal.isRetriable)
        #expect(KafkaError.from(code: .transport, context: "x").isRetriable)
        #expect("\(KafkaError.configuration(key: "acks", value: "3", reason: "bad"))".contains("acks=3"))
    }

    @Test func configurationsRenderContractDefaultsAndOverrides() {
        var producer = KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:9092")
        producer.extraProperties = ["linger.ms": "0"]
        let properties = producer.properties
        #expect(properties["enable.idempotence"] == "true" && properties["acks"] == "all")
        #expect(properties["compression.type"] == "lz4" && properties["linger.ms"] == "0")
        #expect(properties["statistics.interval.ms"] == "5000")
        let consumer = KafkaConsumerConfiguration(bootstrapServers: "b:1", groupID: "g").properties
        #expect(consumer["enable.auto.commit"] == "false" && consumer["enable.auto.offset.store"] == "false")
        #expect(consumer["auto.offset.reset"] == "earliest" && consumer["group.id"] == "g")
    }
}
