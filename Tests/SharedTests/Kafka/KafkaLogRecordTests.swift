import Foundation
import Logging
import Testing
@testable import SharedKafka
@testable import SharedLogging
@testable import TestSupport

@Suite struct KafkaLogRecordTests {
    private func parse(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func theThreadPrefixBecomesAField() {
        let record = KafkaLogRecord(
            level: .error, facility: "FAIL", client: "kafkatrace-consumer#consumer-2",
            text: "[thrd:127.0.0.1:9092/bootstrap]: 127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed")
        #expect(record.thread == "127.0.0.1:9092/bootstrap")
        #expect(record.message == "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed")
        let bare = KafkaLogRecord(level: .warning, facility: "CONFWARN", client: "c", text: "[thrd:app: no end")
        #expect(bare.thread == nil && bare.message == "[thrd:app: no end")
    }

    @Test func aRecordIsOneJSONLineAtItsLevelWithFacilityAndClient() throws {
        let sink = LogSink.memory()
        let logger = LogSetup.makeLogger(label: "kafkatrace.consumer", service: "consumer", level: .info, sink: sink)
        KafkaLogRecord(level: .error, facility: "REQTMOUT", client: "kafkatrace-consumer#consumer-2", thread: "main",
                       message: "Timed out 1 in-flight request").log(to: logger)
        KafkaLogRecord(level: .debug, facility: "FETCH", client: "x", message: "below the logger's level").log(to: logger)
        try #require(sink.lines.count == 1)
        let object = try parse(sink.lines[0])
        #expect(object["level"] as? String == "error")
        #expect(object["message"] as? String == "Timed out 1 in-flight request")
        #expect(object["facility"] as? String == "REQTMOUT")
        #expect(object["client"] as? String == "kafkatrace-consumer#consumer-2")
        #expect(object["thread"] as? String == "main")
        #expect(object["component"] as? String == "librdkafka")
    }

    /// librdkafka's own lines (here CONFWARN while the handle is created, then FAIL from a broker
    /// thread when nothing listens) arrive as records of the logger we pass, never as `%N|…` text.
    @Test func librdkafkaLinesReachTheLoggerFromItsOwnThreads() async throws {
        let sink = LogSink.memory()
        let logger = LogSetup.makeLogger(label: "kafkatrace.producer", service: "producer", level: .info, sink: sink)
        let unused = try TCPPortReservation()
        let producer = try KafkaProducer(
            properties: [
                "bootstrap.servers": "127.0.0.1:\(unused.port)", "client.id": "log-test",
                "fetch.wait.max.ms": "100",  // a consumer property: librdkafka warns (CONFWARN)
                "reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "100",
            ],
            onDeliveryReport: { _ in }, logger: logger)
        let deadline = ContinuousClock.now + .seconds(20)
        var seen: [[String: Any]] = []
        while ContinuousClock.now < deadline {
            seen = try sink.lines.map(parse)
            if seen.contains(where: { $0["facility"] as? String == "FAIL" }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await producer.close()
        let confwarn = try #require(seen.first { $0["facility"] as? String == "CONFWARN" }, "\(sink.lines)")
        #expect(confwarn["level"] as? String == "warning")
        #expect((confwarn["message"] as? String)?.contains("fetch.wait.max.ms") == true)
        #expect((confwarn["client"] as? String)?.hasPrefix("log-test#producer-") == true)
        let fail = try #require(seen.first { $0["facility"] as? String == "FAIL" }, "\(sink.lines)")
        #expect(fail["level"] as? String == "error")
        #expect((fail["message"] as? String)?.contains("Connection refused") == true)
        #expect(fail["thread"] != nil)
        #expect(sink.lines.allSatisfy { $0.hasPrefix("{") })
    }

    @Test func theLoggersLevelBecomesLibrdkafkasLogLevel() async throws {
        let sink = LogSink.memory()
        let logger = LogSetup.makeLogger(label: "l", service: "producer", level: .error, sink: sink)
        let producer = try KafkaProducer(
            properties: ["bootstrap.servers": "127.0.0.1:1", "fetch.wait.max.ms": "100"],
            onDeliveryReport: { _ in }, logger: logger)
        await producer.close()
        // CONFWARN is level 4: librdkafka does not even format it at log_level 3.
        #expect(!sink.lines.contains { $0.contains("CONFWARN") }, "\(sink.lines)")
    }
}

/// A 127.0.0.1 port that nothing listens on while the reservation lives (bound, not listening).
final class TCPPortReservation {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw KafkaError.invalidArgument(context: "TCPPortReservation", reason: "bind 127.0.0.1:0 failed")
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
