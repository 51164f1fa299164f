import Logging
import Prometheus
@testable import SharedKafka
@testable import SharedMetrics
@testable import TestSupport
import Testing

@Suite struct KafkaStatisticsMetricsTests {
    private static func document(name: String = "rdkafka#producer-1", tx: Int, rx: Int, retries: (Int, Int), queue: Int, rtt: (Int, Int)) -> String {
        """
        {"name":"\(name)","type":"producer","msg_cnt":\(queue),"tx_bytes":\(tx),"rx_bytes":\(rx),
         "brokers":{
           "127.0.0.1:9092/bootstrap":{"nodeid":-1,"state":"UP","txretries":0,"rtt":{"avg":0}},
           "127.0.0.1:40000/1":{"nodeid":1,"state":"UP","txbytes":1,"rxbytes":1,"txretries":\(retries.0),"rtt":{"avg":\(rtt.0)}},
           "127.0.0.1:40001/2":{"nodeid":2,"state":"UP","txbytes":1,"rxbytes":1,"txretries":\(retries.1),"rtt":{"avg":\(rtt.1)}}
         }}
        """
    }

    @Test func countersGrowByTheDeltaAndGaugesTakeTheLatestValue() {
        let registry = PrometheusCollectorRegistry()
        let metrics = KafkaStatisticsMetrics(registry: registry, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let value = { (name: String, labels: [String: String]) in MetricsTestSupport.value(registry, name, labels) }

        metrics.record(json: Self.document(tx: 1000, rx: 200, retries: (1, 2), queue: 7, rtt: (1500, 2500)))
        #expect(value("kafkatrace_kafka_tx_bytes_total", [:]) == 1000)
        #expect(value("kafkatrace_kafka_rx_bytes_total", [:]) == 200)
        #expect(value("kafkatrace_kafka_retries_total", [:]) == 3)
        #expect(value("kafkatrace_kafka_client_queue_messages", [:]) == 7)
        #expect(value("kafkatrace_kafka_broker_rtt_seconds", ["broker": "1"]) == 0.0015)
        #expect(value("kafkatrace_kafka_broker_rtt_seconds", ["broker": "2"]) == 0.0025)
        #expect(!registry.emitToString().contains("broker=\"-1\""))  // bootstrap connections are not labels

        metrics.record(json: Self.document(tx: 1500, rx: 260, retries: (1, 4), queue: 3, rtt: (900, 2500)))
        #expect(value("kafkatrace_kafka_tx_bytes_total", [:]) == 1500)
        #expect(value("kafkatrace_kafka_rx_bytes_total", [:]) == 260)
        #expect(value("kafkatrace_kafka_retries_total", [:]) == 5)
        #expect(value("kafkatrace_kafka_client_queue_messages", [:]) == 3)
        #expect(value("kafkatrace_kafka_broker_rtt_seconds", ["broker": "1"]) == 0.0009)

        // A total that went down re-baselines without counting backwards.
        metrics.record(json: Self.document(tx: 100, rx: 260, retries: (0, 0), queue: 0, rtt: (900, 2500)))
        #expect(value("kafkatrace_kafka_tx_bytes_total", [:]) == 1500)
        metrics.record(json: Self.document(tx: 150, rx: 260, retries: (0, 1), queue: 0, rtt: (900, 2500)))
        #expect(value("kafkatrace_kafka_tx_bytes_total", [:]) == 1550)
        #expect(value("kafkatrace_kafka_retries_total", [:]) == 6)

        // A second client's totals are tracked apart and its queue adds up.
        metrics.record(json: Self.document(name: "rdkafka#consumer-2", tx: 40, rx: 10, retries: (0, 0), queue: 5, rtt: (100, 100)))
        #expect(value("kafkatrace_kafka_tx_bytes_total", [:]) == 1590)
        #expect(value("kafkatrace_kafka_client_queue_messages", [:]) == 5)

        // Garbage is skipped, not thrown.
        metrics.record(json: "not json")
        #expect(value("kafkatrace_kafka_tx_bytes_total", [:]) == 1590)
    }

    @Test func realProducerStatisticsFeedTheMetrics() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("stats", partitions: 1)
        let registry = PrometheusCollectorRegistry()
        let metrics = KafkaStatisticsMetrics(registry: registry, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        var properties = KafkaTestSupport.producerProperties(cluster)
        properties["statistics.interval.ms"] = "100"
        let producer = try KafkaProducer(properties: properties, onDeliveryReport: { _ in }, onStatistics: metrics.statisticsHandler)
        for i in 0..<20 { try producer.send(topic: topic, key: nil, value: Array("order \(i) for the statistics test".utf8), id: UInt64(i)) }
        #expect(await producer.flush(timeout: .seconds(10)) == 0)
        var tx = 0.0
        for _ in 0..<50 where tx == 0 {
            try await Task.sleep(for: .milliseconds(100))
            tx = MetricsTestSupport.value(registry, "kafkatrace_kafka_tx_bytes_total")
        }
        #expect(tx > 0)
        #expect(registry.emitToString().contains("kafkatrace_kafka_broker_rtt_seconds{broker=\"1\"}"))
    }
}
