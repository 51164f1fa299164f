@testable import SharedKafka
import Testing

/// The property roles come from the linked librdkafka's own table.
@Suite struct KafkaClientRoleTests {
    @Test func tableKnowsGlobalAndTopicPropertiesWithTheirRoles() {
        let roles = RDKafkaPropertyTable.roles
        #expect(roles.count > 150)
        #expect(roles["fetch.wait.max.ms"] == [.consumer])
        #expect(roles["linger.ms"] == [.producer])
        #expect(roles["acks"] == [.producer])
        #expect(roles["auto.offset.reset"] == [.consumer])
        #expect(roles["bootstrap.servers"] == [.producer, .consumer])
    }

    @Test func parseReadsOnlyTableRows() {
        let text = """
            ## Global configuration properties

            Property | C/P | Range | Default | Importance | Description
            ---------|-----|-------|--------:|------------| -----------
            a.b      |  *  |       | x | low | both
            c.d      |  C  | 0 .. 1 | 0 | low | a | pipe in the description
            e.f      |  P  |       |   | low | producer
            """
        #expect(RDKafkaPropertyTable.parse(text) == ["a.b": [.producer, .consumer], "c.d": [.consumer], "e.f": [.producer]])
    }

    @Test func applicableKeepsUnknownProperties() {
        let given = ["fetch.wait.max.ms": "1", "linger.ms": "2", "client.id": "x", "typo.here": "3"]
        #expect(KafkaClientRole.producer.applicable(given) == ["linger.ms": "2", "client.id": "x", "typo.here": "3"])
        #expect(KafkaClientRole.consumer.applicable(given) == ["fetch.wait.max.ms": "1", "client.id": "x", "typo.here": "3"])
    }
}
