import Foundation
@testable import SharedKafka
import Synchronization
import Testing

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
    /// Runs `body` in its own task and waits at most `limit` for it: its result, or nil when it
    /// did not finish in time (the task is left running, so a hang fails the test instead of
    /// hanging the run).
    static func finishes<T: Sendable>(
        within limit: Duration, _ body: @escaping @Sendable () async -> T
    ) async -> T? {
        let result = Collector<T>()
        Task { result.append(await body()) }
        _ = await result.wait(timeout: limit) { !$0.isEmpty }
        return result.all.first
    }

    /// A topic name no other test uses.
    /// A mock cluster of `brokers` with a new topic of `partitions` (replicated on every broker).
    static func clusterWithTopic(
        _ prefix: String, partitions: Int, brokers: Int = 1
    ) throws -> (RDKafkaMockCluster, String) {
        let cluster = try RDKafkaMockCluster(brokers: brokers)
        let topic = uniqueTopic(prefix)
        try cluster.createTopic(name: topic, partitions: partitions, replicationFactor: brokers)
        return (cluster, topic)
    }

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

    /// Consumer settings for the mock cluster.
    ///
    /// The mock group coordinator holds every JoinGroup for `session.timeout.ms` − 1 s whenever
    /// the group is not empty, and also right after a member's LeaveGroup (the group goes to
    /// Joining with no member and waits that long before electing a leader). Every rebalance a
    /// test causes (a second member, a metadata-change rejoin, a LeaveGroup lost under load and
    /// the old member's session running out) costs that delay, so keep the session short: 4 s
    /// (3 s per rebalance) with a heartbeat every 500 ms, i.e. 8 heartbeats per session.
    static func consumerConfiguration(_ cluster: RDKafkaMockCluster, group: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: group)
        configuration.sessionTimeout = .milliseconds(4000)
        configuration.statisticsInterval = .zero
        configuration.extraProperties = [
            "log_level": "2", "heartbeat.interval.ms": "500", "topic.metadata.refresh.interval.ms": "1000",
        ]
        return configuration
    }

    /// Polls until `count` messages arrived; returns early as soon as they did.
    ///
    /// `timeout` is only a safety net for a broken test, not a speed check: a (re)joining member
    /// first waits for the group's rebalance (see `consumerConfiguration`), several times over
    /// when rebalances chain, and on a loaded CI machine all of that stretches. After the
    /// deadline one last non-waiting poll takes what the poll thread already buffered, so a test
    /// task that was starved of CPU past the deadline still sees everything that arrived.
    static func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(90)) async -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count, ContinuousClock.now < deadline {
            messages += await consumer.poll(max: count - messages.count, timeout: .milliseconds(200))
        }
        if messages.count < count {
            messages += await consumer.poll(max: count - messages.count, timeout: .zero)
        }
        return messages
    }

    /// Waits until `consumer` holds an assignment that covers `partitions` (the group's join and
    /// sync are done); returns the assignment then, or the last one seen after `timeout`.
    /// Like `consume`, the timeout is a generous safety net, never an assertion on speed.
    @discardableResult
    static func waitForAssignment(
        _ consumer: KafkaConsumer, covering partitions: Set<TopicPartition>, timeout: Duration = .seconds(90)
    ) async -> Set<TopicPartition> {
        let deadline = ContinuousClock.now + timeout
        var assigned = Set((try? consumer.assignment()) ?? [])
        while !assigned.isSuperset(of: partitions), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
            assigned = Set((try? consumer.assignment()) ?? [])
        }
        return assigned
    }
}
