import Logging
import Prometheus
import SharedKafka
import Synchronization

/// Turns librdkafka's statistics JSON (`stats_cb`, every `statistics.interval.ms`) into the
/// contract's Kafka metrics, shared by producer and consumer:
///
/// - `kafkatrace_kafka_broker_rtt_seconds{broker}` gauge: average RTT per broker node id
///   (bootstrap connections, node id −1, are left out, so labels stay bounded by the cluster size);
/// - `kafkatrace_kafka_tx_bytes_total`, `kafkatrace_kafka_rx_bytes_total`,
///   `kafkatrace_kafka_retries_total` counters: librdkafka reports running totals, so each
///   document increments the counters by the growth since the previous document of the same
///   client (a total that went down, e.g. a broker left the stats, re-baselines without counting);
/// - `kafkatrace_kafka_client_queue_messages` gauge: `msg_cnt`, summed over the clients feeding
///   this instance.
///
/// One instance per registry; several clients (e.g. the consumer and its DLQ producer) may feed
/// it: their totals are tracked apart by the handle name (`name` in the JSON).
public final class KafkaStatisticsMetrics: Sendable {
    private struct ClientTotals {
        var txBytes: Int64 = 0
        var rxBytes: Int64 = 0
        var retries: Int64 = 0
        var queueMessages: Int64 = 0
    }

    private struct State {
        var clients: [String: ClientTotals] = [:]
        var rttGauges: [Int: Gauge] = [:]
    }

    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let txBytes: Counter
    private let rxBytes: Counter
    private let retries: Counter
    private let queueMessages: Gauge
    private let state = Mutex(State())

    public init(registry: PrometheusCollectorRegistry, logger: Logger) {
        self.registry = registry
        self.logger = logger
        txBytes = registry.counter(
            "kafkatrace_kafka_tx_bytes_total", help: "Bytes sent to Kafka brokers (librdkafka statistics tx_bytes).")
        rxBytes = registry.counter(
            "kafkatrace_kafka_rx_bytes_total", help: "Bytes received from Kafka brokers (librdkafka statistics rx_bytes).")
        retries = registry.counter(
            "kafkatrace_kafka_retries_total", help: "Kafka request retries (librdkafka statistics txretries).")
        queueMessages = registry.gauge(
            "kafkatrace_kafka_client_queue_messages", help: "Messages in librdkafka's queues (statistics msg_cnt).")
    }

    /// The `stats_cb` handler: parses `json` and records it. Invalid documents are logged and
    /// skipped (never thrown: this runs on the poll thread).
    public func record(json: String) {
        do {
            record(try KafkaStatistics.parse(json))
        } catch {
            logger.warning("skipping librdkafka statistics", metadata: ["error": "\(error)"])
        }
    }

    /// A closure for `onStatistics:` parameters.
    public var statisticsHandler: @Sendable (String) -> Void {
        { [self] json in record(json: json) }
    }

    /// Records one parsed statistics document.
    public func record(_ statistics: KafkaStatistics) {
        let (deltas, queueTotal, rtt) = state.withLock { s -> ((Int64, Int64, Int64), Int64, [(Gauge, Double)]) in
            let previous = s.clients[statistics.name] ?? ClientTotals()
            let current = ClientTotals(
                txBytes: statistics.txBytes, rxBytes: statistics.rxBytes, retries: statistics.txRetries,
                queueMessages: statistics.messageCount)
            s.clients[statistics.name] = current
            let deltas = (
                max(0, current.txBytes - previous.txBytes), max(0, current.rxBytes - previous.rxBytes),
                max(0, current.retries - previous.retries)
            )
            let queueTotal = s.clients.values.reduce(0) { $0 + $1.queueMessages }
            var rtt: [(Gauge, Double)] = []
            for broker in statistics.brokers {
                let gauge: Gauge
                if let cached = s.rttGauges[broker.nodeID] {
                    gauge = cached
                } else {
                    gauge = registry.gauge(
                        "kafkatrace_kafka_broker_rtt_seconds", labels: [("broker", String(broker.nodeID))],
                        help: "Average request round-trip time per broker (librdkafka statistics rtt.avg).")
                    s.rttGauges[broker.nodeID] = gauge
                }
                rtt.append((gauge, broker.averageRTTSeconds))
            }
            return (deltas, queueTotal, rtt)
        }
        if deltas.0 > 0 { txBytes.increment(by: deltas.0) }
        if deltas.1 > 0 { rxBytes.increment(by: deltas.1) }
        if deltas.2 > 0 { retries.increment(by: deltas.2) }
        queueMessages.set(Double(queueTotal))
        for (gauge, value) in rtt { gauge.set(value) }
    }
}
