import Foundation
import Logging
@testable import SharedLogging
import Testing

@Suite struct LogSetupTests {
    /// A daemon refusing its configuration says so in one JSON line (logging is not set up yet:
    /// its format is part of that configuration), with the whole error text.
    @Test func aStartupErrorIsOneJSONLineWithTheError() throws {
        struct BadValue: Error, CustomStringConvertible {
            var description: String { "consumer.batch_size=0 is not an integer in 1–50000 (from KAFKATRACE_CONSUMER_BATCH_SIZE)" }
        }
        let sink = LogSink.memory()
        LogSetup.reportStartupError(BadValue(), service: "consumer", sink: sink)
        #expect(sink.lines.count == 1)
        let line = try #require(sink.lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "critical")
        #expect(object["service"] as? String == "consumer")
        #expect(object["error"] as? String == BadValue().description)
    }
}
