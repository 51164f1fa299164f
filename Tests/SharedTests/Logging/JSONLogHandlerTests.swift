import Foundation
import Logging
@testable import SharedLogging
import Testing

@Suite struct JSONLogHandlerTests {
    private func parse(_ line: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func lineCarriesFixedFieldsAndFlattenedMetadata() throws {
        let sink = LogSink.memory()
        var logger = LogSetup.makeLogger(label: "kafka", service: "producer", level: .info, sink: sink)
        logger[metadataKey: LogKeys.topic] = "food-orders"
        logger.info(
            "delivered",
            metadata: [
                LogKeys.orderID: "ORD-20261123-00042-7K3QZ2XA", LogKeys.traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
                LogKeys.partition: .stringConvertible(3), LogKeys.offset: .stringConvertible(Int64(1234)),
                "retry": .stringConvertible(true), "tags": ["a", "b"], "nested": ["k": "v"],
            ])
        logger.debug("not written at info")
        let lines = sink.lines
        try #require(lines.count == 1)
        let object = try parse(lines[0])
        #expect(object["level"] as? String == "info")
        #expect(object["message"] as? String == "delivered")
        #expect(object["service"] as? String == "producer")
        #expect(object["logger"] as? String == "kafka")
        #expect(object["order_id"] as? String == "ORD-20261123-00042-7K3QZ2XA")
        #expect(object["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(object["topic"] as? String == "food-orders")
        #expect(object["partition"] as? Int == 3)
        #expect(object["offset"] as? Int == 1234)
        #expect(object["retry"] as? Bool == true)
        #expect(object["tags"] as? [String] == ["a", "b"])
        #expect((object["nested"] as? [String: String]) == ["k": "v"])
        #expect(object["file"] == nil && object["source"] == nil)
        #expect(lines[0].hasPrefix(#"{"time":""#))
        let time = try #require(object["time"] as? String)
        #expect(time.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/#) != nil, "\(time)")
    }

    @Test func debugLinesCarrySourceAndFileLine() throws {
        let sink = LogSink.memory()
        let logger = LogSetup.makeLogger(label: "t", service: "consumer", level: .trace, sink: sink)
        logger.debug("d"); let line = #line
        let object = try parse(try #require(sink.lines.first))
        #expect(object["level"] as? String == "debug")
        #expect(object["source"] as? String == "SharedTests")
        #expect((object["file"] as? String)?.hasSuffix("JSONLogHandlerTests.swift:\(line)") == true)
    }

    @Test func escapingRoundTripsThroughJSONSerialization() throws {
        let sink = LogSink.memory()
        let logger = LogSetup.makeLogger(label: "esc\"ape", service: "producer", sink: sink)
        let nasty = "quote\" backslash\\ newline\n tab\t cr\r nul\u{0} bell\u{7} del\u{7F} ls\u{2028} é 🍕 中文"
        logger.error("\(nasty)", metadata: ["k\"ey": "\(nasty)"])
        let line = try #require(sink.lines.first)
        #expect(!line.contains("\n") && !line.contains("\u{0}") && !line.contains("\u{2028}"))
        let object = try parse(line)
        #expect(object["message"] as? String == nasty)
        #expect(object["k\"ey"] as? String == nasty)
        #expect(object["logger"] as? String == "esc\"ape")
    }

    @Test func metadataCannotOverwriteFixedFieldsAndErrorIsKept() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let sink = LogSink.memory()
        let handler = JSONLogHandler(label: "l", service: "s", level: .info, sink: sink, clock: { "T" })
        handler.log(event: LogEvent(
            level: .warning, message: "m", metadata: ["level": "fake", "message": "fake"], source: "S",
            file: "f.swift", function: "f", line: 1))
        let object = try parse(try #require(sink.lines.first))
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "m")
        #expect(object["meta.level"] as? String == "fake")
        #expect(object["time"] as? String == "T")
        var withError = LogEvent(level: .error, message: "failed", metadata: nil, source: "S", file: "f", function: "f", line: 2)
        withError.error = Boom()
        handler.log(event: withError)
        #expect(try parse(sink.lines[1])["error"] as? String == "boom")
    }

    @Test func metadataProviderAndPerCallOrder() throws {
        let sink = LogSink.memory()
        let provider = Logger.MetadataProvider { ["trace_id": "from-provider", "a": "p"] }
        var handler = JSONLogHandler(label: "l", service: "s", sink: sink, metadataProvider: provider)
        handler[metadataKey: "a"] = "handler"
        handler[metadataKey: "b"] = "handler"
        handler.log(event: LogEvent(level: .info, message: "m", metadata: ["b": "call"], source: "S", file: "f", function: "f", line: 1))
        let object = try parse(try #require(sink.lines.first))
        #expect(object["trace_id"] as? String == "from-provider")
        #expect(object["a"] as? String == "p")
        #expect(object["b"] as? String == "call")
    }

    @Test func timestampFormat() {
        #expect(LogTimestamp.format(seconds: 1_795_426_200, milliseconds: 7) == "2026-11-23T09:30:00.007Z")
        #expect(LogTimestamp.format(seconds: 0, milliseconds: 999) == "1970-01-01T00:00:00.999Z")
    }
}
