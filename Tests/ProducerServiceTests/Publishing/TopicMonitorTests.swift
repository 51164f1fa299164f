import Logging
@testable import ProducerService
import ServiceLifecycle
@testable import SharedKafka
@testable import SharedLifecycle
import Synchronization
import Testing

@Suite struct TopicMonitorTests {
    private func monitor(
        _ fixture: ProducerFixture, createTopics: Bool, readiness: Readiness
    ) -> TopicMonitor {
        var configuration = TopicMonitor.Configuration(
            topic: fixture.topic, createTopics: createTopics, partitions: 2, replicationFactor: 1)
        configuration.metadataTimeout = .seconds(2)
        configuration.createTimeout = .seconds(1)
        configuration.refreshInterval = .milliseconds(200)
        configuration.tickInterval = .milliseconds(50)
        return TopicMonitor(
            producer: fixture.publisher.producer, configuration: configuration, readiness: readiness, logger: fixture.logger)
    }

    private func state(_ readiness: Readiness, _ name: String) -> Readiness.CheckState? {
        readiness.snapshot().first { $0.name == name }?.state
    }

    @Test func existingTopicMakesBothChecksPass() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        let readiness = Readiness()
        let monitor = monitor(fixture, createTopics: false, readiness: readiness)
        #expect(!readiness.isReady)  // registered as pending
        await monitor.refresh()
        #expect(state(readiness, TopicMonitor.kafkaCheck) == .passing)
        #expect(state(readiness, TopicMonitor.topicCheck) == .passing)
        #expect(readiness.isReady)
    }

    /// The 2.0.2 mock cluster creates any topic a metadata request names (and ignores injected
    /// Metadata errors), so a missing topic is shown through a client whose metadata answers
    /// UNKNOWN_TOPIC_OR_PART, as a real broker with auto-creation off does, until `exists()`;
    /// topic creation goes to the real mock cluster.
    private func missingTopicMonitor(
        _ fixture: ProducerFixture, createTopics: Bool, readiness: Readiness, exists: @escaping @Sendable () -> Bool
    ) -> TopicMonitor {
        let real = TopicMonitor.Client(producer: fixture.publisher.producer)
        let client = TopicMonitor.Client(
            metadata: { topic, timeout throws(KafkaError) in
                var metadata = try await real.metadata(topic, timeout)
                if !exists() {
                    metadata.topics = [KafkaMetadata.Topic(name: topic, partitions: [], error: .unknownTopicOrPartition)]
                }
                return metadata
            },
            createTopic: real.createTopic, fatalError: real.fatalError)
        var configuration = TopicMonitor.Configuration(
            topic: fixture.topic, createTopics: createTopics, partitions: 2, replicationFactor: 1)
        configuration.createTimeout = .seconds(1)
        configuration.createRetryInterval = .zero
        return TopicMonitor(client: client, configuration: configuration, readiness: readiness, logger: fixture.logger)
    }

    @Test func missingTopicIsNotReadyWithAReason() async throws {
        let fixture = try ProducerFixture(createTopic: false)
        defer { fixture.releaseOffPool() }
        let readiness = Readiness()
        let monitor = missingTopicMonitor(fixture, createTopics: false, readiness: readiness, exists: { false })
        await monitor.refresh()
        #expect(state(readiness, TopicMonitor.kafkaCheck) == .passing)
        guard case .failing(let reason)? = state(readiness, TopicMonitor.topicCheck) else {
            Issue.record("topic check should fail: \(String(describing: state(readiness, TopicMonitor.topicCheck)))")
            return
        }
        #expect(reason.contains("does not exist"))
        #expect(reason.contains("kafka.create_topics=false"))
    }

    /// The librdkafka 2.0.2 mock cluster has no controller: CreateTopics times out. The monitor
    /// must report that as a reason and keep going, not crash.
    @Test func failedTopicCreationStaysNotReadyWithTheError() async throws {
        let fixture = try ProducerFixture(createTopic: false)
        defer { fixture.releaseOffPool() }
        let readiness = Readiness()
        let exists = Atomic<Bool>(false)
        let monitor = missingTopicMonitor(
            fixture, createTopics: true, readiness: readiness, exists: { exists.load(ordering: .relaxed) })
        await monitor.refresh()
        guard case .failing(let reason)? = state(readiness, TopicMonitor.topicCheck) else {
            Issue.record("topic check should fail: \(String(describing: state(readiness, TopicMonitor.topicCheck)))")
            return
        }
        #expect(reason.contains("does not exist"))
        #expect(reason.contains("creating it") || reason.contains("created it"), "reason: \(reason)")
        #expect(!readiness.isReady)
        // Once the topic exists the next round passes.
        exists.store(true, ordering: .relaxed)
        var passed = false
        for _ in 0..<50 where !passed {
            await monitor.refresh()
            passed = state(readiness, TopicMonitor.topicCheck) == .passing
            if !passed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(passed)
    }

    @Test func unreachableClusterFailsTheKafkaCheck() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        let readiness = Readiness()
        var configuration = TopicMonitor.Configuration(
            topic: fixture.topic, createTopics: false, partitions: 1, replicationFactor: 1)
        configuration.metadataTimeout = .milliseconds(500)
        configuration.staleAfter = .milliseconds(300)
        let monitor = TopicMonitor(
            producer: fixture.publisher.producer, configuration: configuration, readiness: readiness, logger: fixture.logger)
        await monitor.refresh()
        #expect(state(readiness, TopicMonitor.kafkaCheck) == .passing)
        try fixture.cluster.setBrokerDown(1)
        try await Task.sleep(for: .milliseconds(400))
        await monitor.refresh()
        monitor.evaluateKafkaCheck()
        guard case .failing(let reason)? = state(readiness, TopicMonitor.kafkaCheck) else {
            Issue.record("kafka check should fail once metadata is stale")
            return
        }
        #expect(reason.contains("no successful metadata request"))
        try fixture.cluster.setBrokerUp(1)
    }

    @Test func fatalErrorFailsReadinessAndEndsRunWithAnError() async throws {
        let fixture = try ProducerFixture()
        defer { fixture.releaseOffPool() }
        let readiness = Readiness()
        let monitor = monitor(fixture, createTopics: false, readiness: readiness)
        let task = Task { try await monitor.run() }
        // Wait until it reported ready, then inject a fatal error as librdkafka's error_cb would.
        for _ in 0..<100 where !readiness.isReady { try await Task.sleep(for: .milliseconds(50)) }
        #expect(readiness.isReady)
        monitor.reportFatal(.rdkafka(code: .outOfOrderSequenceNumber, message: "fenced", context: "test", isRetriable: false, isFatal: true))
        #expect(!readiness.isReady)
        if case .failing(let reason)? = state(readiness, TopicMonitor.kafkaCheck) {
            #expect(reason.contains("fatal"))
        } else {
            Issue.record("kafka check should fail after a fatal error")
        }
        await #expect(throws: ProducerError.self) { try await task.value }
        #expect(monitor.fatalError != nil)
    }
}
