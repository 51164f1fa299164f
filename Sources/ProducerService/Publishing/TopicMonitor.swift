import Logging
import ServiceLifecycle
import SharedKafka
import SharedLifecycle
import Synchronization

/// Watches the cluster and the producer's topic, and owns two readiness checks:
///
/// - `kafka`: a metadata request succeeded within the last `staleAfter` (15 s); metadata is
///   requested every `refreshInterval` (5 s).
/// - `topic`: the topic exists with at least one partition. When it is missing and
///   `createTopics` is on, it is created (partitions / replication from the configuration),
///   at most once per `createRetryInterval`; a failed creation (e.g. the librdkafka mock cluster,
///   which has no controller, times out) leaves the check failing with the reason, and the
///   daemon keeps running.
///
/// Fatal producer errors (`reportFatal`, from `onFatalError`, or found by `rd_kafka_fatal_error`
/// at each metadata round, so one raised before the monitor existed is not missed) fail both
/// checks at once, log a critical line, and make `run` throw `ProducerError.fatalKafkaError`,
/// which ends the service group: the daemon exits non-zero.
final class TopicMonitor: Service, Sendable {
    /// Readiness check names.
    static let kafkaCheck = "kafka"
    static let topicCheck = "topic"

    struct Configuration: Sendable {
        var topic: String
        var createTopics: Bool
        var partitions: Int
        var replicationFactor: Int
        var refreshInterval: Duration = .seconds(5)
        var staleAfter: Duration = .seconds(15)
        var metadataTimeout: Duration = .seconds(5)
        var createTimeout: Duration = .seconds(10)
        var createRetryInterval: Duration = .seconds(30)
        /// How often the `kafka` check's age is re-evaluated.
        var tickInterval: Duration = .seconds(1)

        init(topic: String, createTopics: Bool, partitions: Int, replicationFactor: Int) {
            self.topic = topic
            self.createTopics = createTopics
            self.partitions = partitions
            self.replicationFactor = replicationFactor
        }
    }

    private struct State {
        var lastSuccess: ContinuousClock.Instant?
        var lastError: String?
        var lastCreateAttempt: ContinuousClock.Instant?
        var topicState: Readiness.CheckState = .failing(reason: "pending: no metadata yet")
        var fatal: KafkaError?
    }

    /// The Kafka calls the monitor makes (the producer's, or a stand-in in tests: the 2.0.2
    /// mock cluster auto-creates every topic a metadata request names, so it cannot show a
    /// missing topic).
    struct Client: Sendable {
        var metadata: @Sendable (_ topic: String, _ timeout: Duration) async throws(KafkaError) -> KafkaMetadata
        var createTopic: @Sendable (_ name: String, _ partitions: Int, _ replication: Int, _ timeout: Duration) async throws(KafkaError) -> Void
        var fatalError: @Sendable () -> KafkaError?

        init(
            metadata: @escaping @Sendable (String, Duration) async throws(KafkaError) -> KafkaMetadata,
            createTopic: @escaping @Sendable (String, Int, Int, Duration) async throws(KafkaError) -> Void,
            fatalError: @escaping @Sendable () -> KafkaError?
        ) {
            self.metadata = metadata
            self.createTopic = createTopic
            self.fatalError = fatalError
        }

        /// The calls of `producer`.
        init(producer: KafkaProducer) {
            self.init(
                metadata: { topic, timeout throws(KafkaError) in try await producer.metadata(topic: topic, timeout: timeout) },
                createTopic: { name, partitions, replication, timeout throws(KafkaError) in
                    try await producer.createTopic(
                        name: name, partitions: partitions, replicationFactor: replication, timeout: timeout)
                },
                fatalError: { producer.fatalError })
        }
    }

    private let client: Client
    private let configuration: Configuration
    private let readiness: Readiness
    private let logger: Logger
    private let state = Mutex(State())
    private let fatalStream: AsyncStream<KafkaError>
    private let fatalContinuation: AsyncStream<KafkaError>.Continuation

    convenience init(producer: KafkaProducer, configuration: Configuration, readiness: Readiness, logger: Logger) {
        self.init(client: Client(producer: producer), configuration: configuration, readiness: readiness, logger: logger)
    }

    init(client: Client, configuration: Configuration, readiness: Readiness, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.readiness = readiness
        self.logger = logger
        (fatalStream, fatalContinuation) = AsyncStream.makeStream(of: KafkaError.self, bufferingPolicy: .bufferingNewest(1))
        readiness.register(Self.kafkaCheck)
        readiness.register(Self.topicCheck)
    }

    /// The fatal error reported, if any.
    var fatalError: KafkaError? { state.withLock { $0.fatal } }

    /// Records a fatal producer error (safe from any thread, e.g. librdkafka's poll thread):
    /// readiness fails at once and `run` throws.
    func reportFatal(_ error: KafkaError) {
        let isFirst = state.withLock { s in
            defer { if s.fatal == nil { s.fatal = error } }
            return s.fatal == nil
        }
        guard isFirst else { return }
        let reason = "fatal producer error: \(error)"
        readiness.set(Self.kafkaCheck, .failing(reason: reason))
        readiness.set(Self.topicCheck, .failing(reason: reason))
        logger.critical(
            "fatal Kafka producer error; the producer cannot continue, exiting with status 1",
            metadata: ["error": "\(error)", "code": "\(error.name)"])
        fatalContinuation.yield(error)
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown { [self] in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.refreshLoop() }
                group.addTask { await self.stalenessLoop() }
                group.addTask {
                    for await error in self.fatalStream { throw ProducerError.fatalKafkaError(error) }
                }
                _ = try await group.next()
                group.cancelAll()
                try await group.waitForAll()
            }
        }
        fatalContinuation.finish()
    }

    /// One metadata round: refreshes both checks, creating the topic when allowed.
    func refresh() async {
        guard fatalError == nil else { return }
        if let fatal = client.fatalError() {
            reportFatal(fatal)
            return
        }
        let topic = configuration.topic
        let metadata: KafkaMetadata
        do {
            metadata = try await client.metadata(topic, configuration.metadataTimeout)
        } catch {
            let message = "\(error)"
            let changed = state.withLock { s in
                defer { s.lastError = message }
                return s.lastError != message
            }
            if changed { logger.warning("Kafka metadata request failed", metadata: ["error": "\(message)"]) }
            evaluateKafkaCheck()
            return
        }
        let recovered = state.withLock { s in
            defer {
                s.lastSuccess = .now
                s.lastError = nil
            }
            return s.lastError != nil
        }
        if recovered { logger.notice("Kafka metadata requests succeed again") }
        evaluateKafkaCheck()
        var topicState = Self.topicState(metadata.topic(topic), name: topic)
        if case .failing(let missing) = topicState, Self.isMissing(metadata.topic(topic)) {
            topicState = .failing(reason: await handleMissingTopic(missingReason: missing))
        }
        setTopicState(topicState)
    }

    private func handleMissingTopic(missingReason: String) async -> String {
        let topic = configuration.topic
        guard configuration.createTopics else {
            return "\(missingReason); kafka.create_topics=false: create it, or set KAFKATRACE_CREATE_TOPICS=true"
        }
        let now = ContinuousClock.now
        let shouldTry = state.withLock { s in
            if let last = s.lastCreateAttempt, now - last < configuration.createRetryInterval { return false }
            s.lastCreateAttempt = now
            return true
        }
        guard shouldTry else { return "\(missingReason); creating it failed, retrying in at most \(configuration.createRetryInterval)" }
        logger.notice(
            "creating Kafka topic",
            metadata: [
                "topic": "\(topic)", "partitions": "\(configuration.partitions)",
                "replication": "\(configuration.replicationFactor)",
            ])
        do {
            try await client.createTopic(
                topic, configuration.partitions, configuration.replicationFactor, configuration.createTimeout)
            logger.notice("created Kafka topic", metadata: ["topic": "\(topic)"])
            return "\(missingReason); created it, waiting for its metadata"
        } catch {
            logger.error(
                "could not create Kafka topic; the producer stays not ready until the topic exists",
                metadata: ["topic": "\(topic)", "error": "\(error)"])
            return "\(missingReason); creating it failed: \(error)"
        }
    }

    private func setTopicState(_ new: Readiness.CheckState) {
        let old = state.withLock { s in
            defer { s.topicState = new }
            return s.topicState
        }
        guard fatalError == nil else { return }
        readiness.set(Self.topicCheck, new)
        if old != new {
            switch new {
            case .passing: logger.notice("Kafka topic is available", metadata: ["topic": "\(configuration.topic)"])
            case .failing(let reason):
                logger.warning("Kafka topic is not available", metadata: ["topic": "\(configuration.topic)", "reason": "\(reason)"])
            }
        }
    }

    /// Sets the `kafka` check from the age of the last successful metadata request.
    func evaluateKafkaCheck(now: ContinuousClock.Instant = .now) {
        let (lastSuccess, lastError, fatal) = state.withLock { ($0.lastSuccess, $0.lastError, $0.fatal) }
        guard fatal == nil else { return }
        let stale = configuration.staleAfter
        if let lastSuccess, now - lastSuccess <= stale {
            readiness.set(Self.kafkaCheck, .passing)
        } else if let lastSuccess {
            let age = "\((now - lastSuccess).components.seconds) s"
            readiness.set(
                Self.kafkaCheck,
                .failing(reason: "no successful metadata request for \(age) (limit \(stale)); last error: \(lastError ?? "none")"))
        } else {
            readiness.set(
                Self.kafkaCheck,
                .failing(reason: "no successful metadata request yet; last error: \(lastError ?? "pending")"))
        }
    }

    private func refreshLoop() async {
        while !Task.isCancelled {
            await refresh()
            try? await Task.sleep(for: configuration.refreshInterval)
        }
    }

    /// Re-evaluates the `kafka` check's age between metadata rounds, so a request that hangs
    /// turns the check failing once `staleAfter` has passed.
    private func stalenessLoop() async {
        while !Task.isCancelled {
            evaluateKafkaCheck()
            try? await Task.sleep(for: configuration.tickInterval)
        }
    }

    private static func isMissing(_ topic: KafkaMetadata.Topic?) -> Bool {
        guard let topic else { return true }
        return topic.error == .unknownTopicOrPartition || topic.error == .unknownTopic
            || (topic.error == .noError && topic.partitions.isEmpty)
    }

    /// The `topic` check for one metadata entry.
    static func topicState(_ topic: KafkaMetadata.Topic?, name: String) -> Readiness.CheckState {
        guard let topic else { return .failing(reason: "topic \(name) does not exist (not in the metadata)") }
        switch topic.error {
        case .noError:
            return topic.partitions.isEmpty ? .failing(reason: "topic \(name) has no partitions") : .passing
        case .unknownTopicOrPartition, .unknownTopic:
            return .failing(reason: "topic \(name) does not exist (\(topic.error.name))")
        default:
            return .failing(reason: "topic \(name) metadata error \(topic.error.name)")
        }
    }
}
