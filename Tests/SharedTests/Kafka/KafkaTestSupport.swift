import Foundation
import Synchronization
import Testing
@testable import Shared

/// Collects callback values from librdkafka threads and lets tests wait for them.
final class Collector<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
    var count: Int { values.withLock { $0.count } }

    /// Waits until `predicate(all)` holds or `timeout` passes; returns whether it held.
    func wait(timeout: Duration = .seconds(20), until predicate: ([Value]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(all) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return predicate(all)
    }
}

enum KafkaTestSupport {
    /// A topic name no other test uses.
    static func uniqueTopic(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Producer properties for the mock cluster: quick retries, quiet logs.
    static func producerProperties(_ cluster: RDKafkaMockCluster, _ extra: [String: String] = [:]) -> [String: String] {
        var configuration = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.linger = .milliseconds(1)
        configuration.statisticsInterval = .zero
        configuration.messageTimeout = .seconds(30)
        configuration.extraProperties = ["log_level": "2", "retry.backoff.ms": "50", "reconnect.backoff.max.ms": "200"]
            .merging(extra) { _, new in new }
        return configuration.properties
    }

    static func consumerConfiguration(_ cluster: RDKafkaMockCluster, group: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: group)
        configuration.sessionTimeout = .milliseconds(6000)
        configuration.statisticsInterval = .zero
        configuration.extraProperties = [
            "log_level": "2", "heartbeat.interval.ms": "500", "topic.metadata.refresh.interval.ms": "1000",
        ]
        return configuration
    }

    /// Polls until `count` messages arrived or `timeout` passes.
    static func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(20)) async -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count, ContinuousClock.now < deadline {
            messages += await consumer.poll(max: count - messages.count, timeout: .milliseconds(200))
        }
        return messages
    }
}
