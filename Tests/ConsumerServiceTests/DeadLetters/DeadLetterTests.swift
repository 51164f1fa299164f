@testable import ConsumerService
@testable import SharedKafka
@testable import SharedOrders
import Testing

@Suite struct DeadLetterTests {
    private func message(_ value: String?) -> KafkaMessage {
        KafkaMessage(
            topic: "food-orders", partition: 3, offset: 42, key: Array("CUST-00017".utf8), value: value.map { Array($0.utf8) },
            headers: [("event_type", Array("order.created".utf8)), ("traceparent", Array("x".utf8))], timestampMs: 1)
    }

    private func header(_ letter: DeadLetter, _ name: String) -> String? {
        letter.headers.first { $0.0 == name }.map { String(decoding: $0.1, as: UTF8.self) }
    }

    @Test func keepsTheOriginalAndAddsTheContractHeaders() throws {
        let original = message("not json")
        let error = try #require(throws: OrderDecodingError.self) { try OrderCodec.decode(original.value ?? []) }
        let failedAt = OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_123)
        let letter = DeadLetter(message: original, error: error, failedAt: failedAt)
        #expect(letter.key == original.key)
        #expect(letter.value == original.value)
        #expect(letter.reasonCode == "invalid_json")
        #expect(Array(letter.headers.prefix(2).map(\.0)) == ["event_type", "traceparent"])
        #expect(header(letter, "dlq_reason")?.hasPrefix("invalid_json: ") == true)
        #expect(header(letter, "dlq_source_topic") == "food-orders")
        #expect(header(letter, "dlq_source_partition") == "3")
        #expect(header(letter, "dlq_source_offset") == "42")
        #expect(header(letter, "dlq_failed_at") == "2026-11-23T09:30:00.123Z")
        #expect(letter.source == TopicPartitionOffset(topic: "food-orders", partition: 3, offset: 42))
    }

    /// A null value (tombstone) goes to the DLQ as a null value, an empty one as an empty one.
    @Test func nullValueStaysNullAndEmptyStaysEmpty() throws {
        for original in [message(nil), message("")] {
            let error = try #require(throws: OrderDecodingError.self) { try OrderCodec.decode(original.value ?? []) }
            let letter = DeadLetter(message: original, error: error)
            #expect(letter.value == original.value)
        }
        #expect(DeadLetter(message: message(nil), error: .invalid([])).value == nil)
        #expect(DeadLetter(message: message(""), error: .invalid([])).value == [])
    }

    @Test func reasonNamesTheFieldAndIsBounded() throws {
        let json = #"{"schema_version":1,"order_id":"ORD-20261123-00042","customer_id":"CUST-00017","items":[{"item_id":"ITEM-03","name":"Pizza","quantity":2,"unit_price":12.50}],"total_amount":24.00,"status":"pending","created_at":"2026-11-23T09:30:00.123Z"}"#
        let error = try #require(throws: OrderDecodingError.self) { try OrderCodec.decode(Array(json.utf8)) }
        let letter = DeadLetter(message: message(json), error: error)
        let reason = try #require(header(letter, "dlq_reason"))
        #expect(reason.hasPrefix("total_mismatch: total_amount"))

        let long = DeadLetter(
            message: message("x"),
            error: .invalid(Array(repeating: ValidationProblem(.invalidPrice, field: "items[0].unit_price", "é too big"), count: 200)))
        let bytes = try #require(long.headers.first { $0.0 == "dlq_reason" }?.1)
        #expect(bytes.count <= DeadLetter.maxReasonBytes)
        #expect(String(validating: bytes, as: UTF8.self) != nil)
    }
}
