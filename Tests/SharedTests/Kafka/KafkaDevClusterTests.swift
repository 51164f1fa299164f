import Foundation
@testable import SharedKafka
@testable import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs the built `kafkatrace-devcluster` binary and talks to it through its proxy and control port.
@Suite struct KafkaDevClusterTests {
    struct Ready: Decodable {
        var event: String
        var bootstrap: String
        var listen: String
        var control: String
    }

    @Test func producesAndConsumesThroughTheFirstHopProxy() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("kafkatrace-devcluster")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the package first: \(binary.path)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("devcluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bootstrapFile = directory.appendingPathComponent("kafka.bootstrap")
        let output = directory.appendingPathComponent("stdout")
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))

        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "--listen", "127.0.0.1:0", "--control", "127.0.0.1:0", "--bootstrap-file", bootstrapFile.path,
        ]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var ready: Ready?
        for _ in 0..<200 where ready == nil {
            let text = try String(contentsOf: output, encoding: .utf8)
            if let line = text.split(separator: "\n").first {
                ready = try JSONDecoder().decode(Ready.self, from: Data(line.utf8))
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let info = try #require(ready)
        #expect(info.event == "ready")
        #expect(try String(contentsOf: bootstrapFile, encoding: .utf8).trimmingCharacters(in: .newlines) == info.bootstrap)

        // Producer and consumer only know the proxy address.
        let reports = Collector<DeliveryReport>()
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: info.listen)
        producerConfiguration.linger = .milliseconds(1)
        producerConfiguration.statisticsInterval = .zero
        producerConfiguration.extraProperties = ["log_level": "2"]
        let producer = try KafkaProducer(configuration: producerConfiguration, onDeliveryReport: reports.append)
        for index in 0..<20 {
            try producer.send(
                topic: "food-orders", key: Array("CUST-\(index)".utf8), value: Array("v\(index)".utf8),
                headers: [("event_type", Array("order.created".utf8))], id: UInt64(index))
        }
        #expect(await producer.flush(timeout: .seconds(15)) == 0)
        #expect(await reports.wait { $0.count == 20 })
        #expect(reports.all.allSatisfy { $0.error == nil })

        var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: info.listen, groupID: "devcluster-test")
        consumerConfiguration.sessionTimeout = .seconds(6)
        consumerConfiguration.statisticsInterval = .zero
        consumerConfiguration.extraProperties = ["log_level": "2"]
        let consumer = try KafkaConsumer(configuration: consumerConfiguration)
        try consumer.subscribe(topics: ["food-orders"])
        let messages = await KafkaTestSupport.consume(consumer, count: 20)
        await consumer.close()
        #expect(Set(messages.map { String(decoding: $0.value ?? [], as: UTF8.self) }) == Set((0..<20).map { "v\($0)" }))
        #expect(messages.allSatisfy { $0.header("event_type") == Array("order.created".utf8) })

        // Control port, HTTP form.
        #expect(try await control(info.control, "rtt 1 5") == (200, "ok\n"))
        let refused = try await control(info.control, "broker-down 99")
        #expect(refused.status == 400 && refused.body.hasPrefix("error"))
        #expect(try await control(info.control, "launch rockets").body.contains("commands:"))

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: bootstrapFile.path))
    }

    private func control(_ address: String, _ command: String) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try #require(URL(string: "http://\(address)/")))
        request.httpMethod = "POST"
        request.httpBody = Data(command.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
