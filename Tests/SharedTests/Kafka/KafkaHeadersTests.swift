@testable import SharedKafka
import Testing

@Suite struct KafkaHeadersTests {
    @Test func packsAndUnpacksInWireOrderWithRepeatsEmptyValuesAndUTF8() {
        let headers: [(String, [UInt8])] = [
            ("event_type", Array("order.created".utf8)), ("seq", [0, 1, 255]), ("empty", []), ("seq", [7]),
            ("prüfung", Array("wert ✓".utf8)), ("", Array(repeating: 42, count: 70_000)),
        ]
        let packed = KafkaHeaders(headers)
        #expect(packed.all.map(\.0) == headers.map(\.0))
        #expect(packed.all.map(\.1) == headers.map(\.1))
        #expect(packed.first(named: "seq") == [0, 1, 255])  // the first of two
        #expect(packed.first(named: "empty") == [])
        #expect(packed.first(named: "prüfung") == Array("wert ✓".utf8))
        #expect(packed.first(named: "missing") == nil)
        #expect(packed.first(named: "se") == nil)  // a prefix is not a name
        #expect(packed.packed.count == headers.reduce(0) { $0 + 8 + $1.0.utf8.count + $1.1.count })
    }

    @Test func noHeadersAreEmptyAndMessagesKeepTheirHeadersThroughTheProperty() {
        #expect(KafkaHeaders([]).isEmpty)
        #expect(KafkaHeaders().all.isEmpty)
        var message = KafkaMessage(
            topic: "t", partition: 0, offset: 1, key: nil, value: nil, headers: [("a", [1])], timestampMs: nil)
        #expect(message.header("a") == [1])
        message.headers.append(("b", [2]))
        #expect(message.headers.map(\.0) == ["a", "b"])
        #expect(message.header("b") == [2])
    }
}
