@testable import SharedOrders
import Testing

@Suite struct OrderHeadersTests {
    @Test func buildsTheContractHeaders() throws {
        let trace = try TraceParent(parsing: TraceParentTests.sample)
        let headers = OrderHeaders.make(traceParent: trace)
        #expect(headers.map(\.0) == ["event_type", "schema_version", "content_type", "traceparent"])
        #expect(headers.map { String(decoding: $0.1, as: UTF8.self) } == [
            "order.created", "1", "application/json", TraceParentTests.sample,
        ])
    }

    @Test func readsThemBack() throws {
        let trace = try TraceParent(parsing: TraceParentTests.sample)
        let parsed = OrderHeaders(parsing: OrderHeaders.make(traceParent: trace) + [("x-other", [1, 2])])
        #expect(parsed == OrderHeaders(traceParent: trace))
        #expect(parsed.isSupportedOrderEvent)
        #expect(parsed.traceParent?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test func toleratesMissingBadAndDuplicateHeaders() {
        let parsed = OrderHeaders(parsing: [
            ("schema_version", Array("2".utf8)), ("schema_version", Array("1".utf8)),
            ("traceparent", Array("garbage".utf8)), ("event_type", [0xFF]),
        ])
        #expect(parsed.schemaVersion == 2)  // first occurrence wins
        #expect(parsed.traceParent == nil)
        #expect(parsed.eventType == nil)
        #expect(parsed.contentType == nil)
        #expect(!parsed.isSupportedOrderEvent)
        #expect(OrderHeaders(parsing: []).kafkaHeaders.isEmpty)
    }
}
