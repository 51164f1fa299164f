import Logging
@testable import SharedLogging
import Testing

@Suite struct TextLogHandlerTests {
    @Test func readableSingleLine() throws {
        let sink = LogSink.memory()
        let handler = TextLogHandler(label: "http", service: "producer", level: .info, sink: sink, clock: { "T" })
        var logger = Logger(label: "http") { _ in handler }
        logger[metadataKey: "route"] = "/v1/orders"
        logger.info("accepted\nsecond line", metadata: ["order_id": "ORD-1", "note": "two words"])
        logger.debug("hidden")
        let line = try #require(sink.lines.first)
        #expect(sink.lines.count == 1)
        #expect(line == #"T info     producer/http: "accepted\nsecond line" note="two words" order_id=ORD-1 route=/v1/orders"#)
    }

    @Test func formatSelectsHandler() throws {
        let sink = LogSink.memory()
        LogSetup.makeLogger(label: "x", service: "consumer", format: .text, sink: sink).notice("hello")
        #expect(try #require(sink.lines.first).contains(" notice   consumer/x: hello"))
    }
}
