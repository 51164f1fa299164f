@testable import SharedOrders
import Testing

@Suite struct OrderEventEncoderTests {
    /// Reusing one encoder gives the same bytes as encoding each event afresh: long and short
    /// orders, one after the other, leave nothing of the previous event behind.
    @Test func reusedBuffersHoldExactlyTheCurrentEvent() throws {
        var rng = Xoshiro256StarStar(seed: 5)
        let generator = OrderGenerator(ids: try OrderIDGenerator(instanceID: "ENC1"))
        let now = OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_123)
        var encoder = OrderEventEncoder()
        var sizes = Set<Int>()
        for _ in 0..<300 {
            let order = generator.makeOrder(at: now, using: &rng)
            let trace = TraceParent.generate(using: &rng)
            encoder.encode(order, traceParent: trace)
            #expect(encoder.key == order.kafkaKey)
            #expect(encoder.value == OrderCodec.encode(order))
            #expect(try OrderCodec.decode(encoder.value) == order)
            let expected = OrderHeaders.make(traceParent: trace)
            #expect(encoder.headers.map(\.0) == expected.map(\.0))
            #expect(encoder.headers.map(\.1) == expected.map(\.1))
            #expect(OrderHeaders(parsing: encoder.headers).traceParent == trace)
            sizes.insert(encoder.value.count)
        }
        #expect(sizes.count > 20)  // orders of many sizes went through the same buffers
    }

    @Test func traceParentHeaderIsWrittenInPlace() throws {
        let trace = try TraceParent(parsing: TraceParentTests.sample)
        var bytes = Array(repeating: UInt8(ascii: "x"), count: 80)
        trace.writeHeaderValue(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == TraceParentTests.sample)
        #expect(trace.headerValue == Array(TraceParentTests.sample.utf8))
        #expect(trace.description == TraceParentTests.sample)
    }
}
