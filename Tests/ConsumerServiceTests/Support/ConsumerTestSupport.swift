@testable import ConsumerService
import Foundation
import Logging
import Prometheus
@testable import SharedKafka
@testable import SharedLifecycle
@testable import SharedOrders
@testable import SharedPostgres
import Synchronization
@testable import TestSupport
import Testing

/// Builds the consumer's parts against a mock cluster and a test PostgreSQL.
enum ConsumerTestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "consumer-test") { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical
        return logger
    }()

    /// A migrated database and a client on it.
    static func migratedClient(_ pg: TestPostgres, label: String = "test") async throws -> PostgresClient {
        let client = try PostgresClient(url: pg.url, label: label)
        _ = try await PostgresMigrator(client: client).migrate()
        return client
    }

    static func orders(_ count: Int, instance: String = "TEST") throws -> [Order] {
        let generator = OrderGenerator(ids: try OrderIDGenerator(instanceID: instance))
        var rng = SplitMix64(seed: 7)
        let now = OrderTimestamp.now()
        return (0..<count).map { _ in generator.makeOrder(at: now, using: &rng) }
    }

    /// Produces raw values (with order headers) and waits for delivery.
    static func produce(_ cluster: RDKafkaMockCluster, topic: String, values: [(key: [UInt8]?, value: [UInt8])]) async throws {
        let failures = Collector<DeliveryReport>()
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster),
            onDeliveryReport: { if !$0.isDelivered { failures.append($0) } })
        let headers = OrderHeaders.make(traceParent: TraceParent.generate())
        for (index, item) in values.enumerated() {
            try producer.send(topic: topic, key: item.key, value: item.value, headers: headers, id: UInt64(index))
        }
        #expect(await producer.flush(timeout: .seconds(20)) == 0)
        #expect(failures.count == 0)
    }

    static func produce(_ cluster: RDKafkaMockCluster, topic: String, orders: [Order]) async throws {
        try await produce(cluster, topic: topic, values: orders.map { ($0.kafkaKey, OrderCodec.encode($0)) })
    }

    static func consumerConfiguration(_ cluster: RDKafkaMockCluster, group: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaTestSupport.consumerConfiguration(cluster, group: group)
        configuration.sessionTimeout = .milliseconds(3000)
        return configuration
    }

    static func dlqProducerConfiguration(_ cluster: RDKafkaMockCluster) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.linger = .milliseconds(1)
        configuration.statisticsInterval = .zero
        configuration.messageTimeout = .seconds(10)
        configuration.extraProperties = ["log_level": "2", "retry.backoff.ms": "50"]
        return configuration
    }

    /// The parts of one running consumer.
    struct Harness {
        let pipeline: OrderConsumerPipeline
        let readiness: Readiness
        let registry: PrometheusCollectorRegistry
        let metrics: ConsumerMetrics
        let storeClient: PostgresClient
        let task: Task<Void, any Error>

        /// Stops the pipeline, then its dead-letter producer (the app's service order).
        func stop() async throws {
            pipeline.requestStop()
            try await task.value
            await pipeline.deadLetters.close(timeout: .seconds(2))
        }

        func metric(_ name: String, _ labels: String = "") -> Double {
            let text = registry.emitToString()
            let prefix = labels.isEmpty ? "\(name) " : "\(name){\(labels)} "
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return -1 }
            return Double(line.dropFirst(prefix.count)) ?? -1
        }
    }

    /// Starts a pipeline on `topic` (DLQ `topic + ".dlq"`) writing into `pg`.
    static func startPipeline(
        cluster: RDKafkaMockCluster, pg: TestPostgres, topic: String, group: String,
        waitForSchema: @escaping @Sendable () async -> Bool = { true }, writeConnections: Int = 2,
        tune: (inout OrderConsumerPipeline.Configuration) -> Void = { _ in }
    ) async throws -> Harness {
        // Two write connections, the daemon's default: batches split over them by partition.
        let storeClients = try (1...writeConnections).map { try PostgresClient(url: pg.url, label: "store-\($0)") }
        let storeClient = storeClients[0]
        let registry = PrometheusCollectorRegistry()
        let metrics = ConsumerMetrics(registry: registry, topic: topic)
        let readiness = Readiness()
        var configuration = OrderConsumerPipeline.Configuration(topic: topic)
        configuration.batchSize = 100
        configuration.breakerFailures = 2
        configuration.breakerReset = .milliseconds(300)
        configuration.backoff = Backoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        configuration.revokeWait = .seconds(5)
        configuration.shutdownTimeout = .seconds(5)
        tune(&configuration)
        let deadLetters = try DeadLetterPublisher(
            configuration: dlqProducerConfiguration(cluster), topic: topic + ".dlq", metrics: metrics)
        let pipeline = try OrderConsumerPipeline(
            configuration: configuration, consumerConfiguration: consumerConfiguration(cluster, group: group),
            stores: storeClients.map { OrderStore(client: $0) }, deadLetters: deadLetters, readiness: readiness,
            metrics: metrics, logger: logger, waitForSchema: waitForSchema)
        pipeline.reportPostgresHealth(failure: nil)
        let task = Task { try await pipeline.run() }
        return Harness(
            pipeline: pipeline, readiness: readiness, registry: registry, metrics: metrics, storeClient: storeClient,
            task: task)
    }

    /// `SELECT count(*) FROM orders`.
    static func rowCount(_ client: PostgresClient) async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM orders").rows
        return (rows.first?.first ?? nil).flatMap { Int($0) } ?? -1
    }

    /// Waits until `predicate` holds (checked every 50 ms) or `timeout` passes.
    static func eventually(timeout: Duration = .seconds(30), _ predicate: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await predicate() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await predicate()
    }

    /// Committed offsets of `group` on `partitions`, read by a member that never joins.
    static func committed(
        _ cluster: RDKafkaMockCluster, group: String, topic: String, partitions: Int32
    ) throws -> [Int32: Int64] {
        let probe = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group))
        let list = (0..<partitions).map { TopicPartition(topic: topic, partition: $0) }
        let offsets = try probe.client.committedBlocking(list, timeout: .seconds(5))
        return Dictionary(uniqueKeysWithValues: offsets.map { ($0.partition, $0.offset) })
    }
}
