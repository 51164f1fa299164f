import ArgumentParser
import Dispatch
import Foundation
import SharedKafka

#if canImport(Glibc)
    import Glibc
#endif

/// `kafkatrace-devcluster`: a 3-broker librdkafka mock cluster for local development.
struct DevClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafkatrace-devcluster",
        abstract: "In-process Kafka mock cluster with a first-hop proxy and a fault-injection port.")

    @Option(help: "Number of mock brokers.")
    var brokers = 3

    @Option(help: "Kafka first-hop proxy address (host:port, port 0 = ephemeral).")
    var listen = "127.0.0.1:9092"

    @Option(help: "Control port for fault commands (host:port, port 0 = ephemeral).")
    var control = "127.0.0.1:9093"

    @Option(help: "File that receives the mock cluster's real bootstrap list.")
    var bootstrapFile = "run/kafka.bootstrap"

    @Option(help: "Topics to create, NAME:PARTITIONS:RF (repeatable).")
    var topic: [String] = ["food-orders:6:3", "food-orders.dlq:3:3"]

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let cluster = try RDKafkaMockCluster(brokers: brokers)
        for spec in topic {
            let parts = spec.split(separator: ":")
            guard parts.count == 3, let partitions = Int(parts[1]), let rf = Int(parts[2]) else {
                throw ValidationError("--topic \(spec) is not NAME:PARTITIONS:RF")
            }
            try cluster.createTopic(name: String(parts[0]), partitions: partitions, replicationFactor: min(rf, brokers))
        }
        let bootstrapURL = URL(fileURLWithPath: bootstrapFile)
        try FileManager.default.createDirectory(
            at: bootstrapURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data((cluster.bootstrapServers + "\n").utf8).write(to: bootstrapURL, options: .atomic)

        let firstBroker = String(cluster.bootstrapServers.split(separator: ",")[0])
        let proxy = try TCPProxy(listen: listen, target: firstBroker)
        let controlServer = try ControlServer(listen: control, cluster: cluster)
        proxy.start()
        controlServer.start()

        let host = { (text: String) in String(text[..<(text.lastIndex(of: ":") ?? text.endIndex)]) }
        let ready: [String: Any] = [
            "event": "ready", "bootstrap": cluster.bootstrapServers,
            "listen": "\(host(listen)):\(proxy.port)", "control": "\(host(control)):\(controlServer.port)",
            "bootstrap_file": bootstrapFile, "brokers": brokers,
        ]
        let line = try JSONSerialization.data(withJSONObject: ready, options: [.sortedKeys])
        FileHandle.standardOutput.write(line + Data("\n".utf8))

        let stop = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }
        stop.wait()
        proxy.stop()
        controlServer.stop()
        try? FileManager.default.removeItem(at: bootstrapURL)
        FileHandle.standardOutput.write(Data("{\"event\":\"stopped\"}\n".utf8))
        _ = sources
        withExtendedLifetime(cluster) {}
    }
}
