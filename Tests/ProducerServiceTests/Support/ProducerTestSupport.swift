import Foundation
import Logging
@testable import ProducerService
import Prometheus
@testable import SharedHTTP
@testable import SharedKafka
import Synchronization
@testable import TestSupport
import Testing

/// A mock cluster with one topic and an `OrderPublisher` on it, for producer tests.
struct ProducerFixture {
    let cluster: RDKafkaMockCluster
    let topic: String
    let registry: PrometheusCollectorRegistry
    let metrics: ProducerMetrics
    let publisher: OrderPublisher
    let logger: Logger
    let fatalErrors: Collector<KafkaError>

    init(
        brokers: Int = 1, partitions: Int = 3, createTopic: Bool = true, queueMaxMessages: Int = 100_000,
        enqueueTimeout: Duration = .seconds(2), extra: [String: String] = [:]
    ) throws {
        cluster = try RDKafkaMockCluster(brokers: brokers)
        topic = KafkaTestSupport.uniqueTopic("orders")
        if createTopic {
            try cluster.createTopic(name: topic, partitions: partitions, replicationFactor: brokers)
        }
        registry = PrometheusCollectorRegistry()
        metrics = ProducerMetrics(registry: registry, topic: topic)
        logger = Logger(label: "test.producer") { _ in SwiftLogNoOpLogHandler() }
        var configuration = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.linger = .milliseconds(1)
        configuration.statisticsInterval = .zero
        configuration.messageTimeout = .seconds(30)
        configuration.queueMaxMessages = queueMaxMessages
        configuration.extraProperties = [
            "log_level": "2", "retry.backoff.ms": "50", "reconnect.backoff.max.ms": "200",
            "allow.auto.create.topics": "false",
        ].merging(extra) { _, new in new }
        let fatalErrors = Collector<KafkaError>()
        self.fatalErrors = fatalErrors
        publisher = try OrderPublisher(
            configuration: configuration, topic: topic, enqueueTimeout: enqueueTimeout, metrics: metrics,
            logger: logger, onFatalError: { fatalErrors.append($0) })
    }

    /// Keeps the cluster and the producer alive on a Dispatch thread for a moment, so their
    /// `deinit` (blocking `rd_kafka_destroy`, `rd_kafka_mock_cluster_destroy`) runs there once
    /// the test has dropped its references, not on the Swift cooperative pool where it would
    /// stall every test running in parallel. Call it in a `defer`.
    func releaseOffPool() {
        let cluster = cluster
        let publisher = publisher
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { withExtendedLifetime((cluster, publisher)) {} }
    }

    /// Reads `count` messages of the topic back with a fresh consumer group.
    func consume(count: Int, timeout: Duration = .seconds(20)) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(UUID().uuidString.prefix(8))"))
        try consumer.subscribe(topics: [topic])
        let messages = await KafkaTestSupport.consume(consumer, count: count, timeout: timeout)
        await consumer.close()
        return messages
    }

    /// The metric's value in the registry's exposition (sum over samples matching `labels`).
    func metric(_ name: String, _ labels: [String: String] = [:]) -> Double {
        MetricsTestSupport.value(registry, name, labels)
    }
}

enum ProducerTestSupport {
    /// A valid order JSON object for HTTP submission.
    static func orderJSON(
        customer: String = "CUST-00042", quantity: String = "2", unitPrice: String = "12.50", total: String = "25.00",
        orderID: String? = nil
    ) -> String {
        let id = orderID.map { #""order_id":"\#($0)","# } ?? ""
        return #"{\#(id)"customer_id":"\#(customer)","items":[{"item_id":"ITEM-03","name":"Margherita Pizza","quantity":\#(quantity),"unit_price":\#(unitPrice)}],"total_amount":\#(total)}"#
    }

    /// Parses a JSON response body.
    static func json(_ response: HTTPResponse) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(response.body))
        return try #require(object as? [String: Any])
    }
}
