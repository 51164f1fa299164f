import Prometheus
import SharedMetrics
import SharedOrders

/// The producer's Prometheus metrics (names in docs/CONTRACT.md), registered on an injected
/// registry. Labelled handles are cached (`LabelledCounters`) so the hot path does one dictionary lookup.
final class ProducerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let topic: String
    let ordersGenerated: Counter
    let generatorShortfall: Counter
    let receivedHTTP: Counter
    let receivedGenerator: Counter
    let produced: Counter
    let delivered: Counter
    let deliveryLatency: DurationHistogram
    let queueDepth: Gauge
    let inFlight: Gauge
    let queueFull: Counter
    let backpressureRejected: Counter
    let undeliveredAtShutdown: Gauge
    private let failedByError: LabelledCounters
    private let rejectedByReason: LabelledCounters

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    init(registry: PrometheusCollectorRegistry, topic: String) {
        self.registry = registry
        self.topic = topic
        let t = [("topic", topic)]
        ordersGenerated = registry.counter("kafkatrace_producer_orders_generated_total", help: "Orders made by the built-in generator.")
        generatorShortfall = registry.counter("kafkatrace_producer_generator_shortfall_total",
            help: "Orders the generator's schedule (order.rate) called for but could not make within its catch-up window.")
        receivedHTTP = registry.counter("kafkatrace_producer_orders_received_total", labels: [("source", "http")],
            help: "Valid orders accepted for producing, by source.")
        receivedGenerator = registry.counter("kafkatrace_producer_orders_received_total", labels: [("source", "generator")],
            help: "Valid orders accepted for producing, by source.")
        produced = registry.counter("kafkatrace_producer_messages_produced_total", labels: t,
            help: "Messages enqueued into librdkafka.")
        delivered = registry.counter("kafkatrace_producer_messages_delivered_total", labels: t,
            help: "Messages acknowledged by the brokers (delivery report without error).")
        deliveryLatency = registry.durationHistogram("kafkatrace_producer_delivery_latency_seconds", labels: t, buckets: Self.latencyBuckets,
            help: "Time from enqueue to delivery report.")
        queueDepth = registry.gauge("kafkatrace_producer_queue_depth", help: "Messages in librdkafka's queue (rd_kafka_outq_len).")
        inFlight = registry.gauge("kafkatrace_producer_in_flight", help: "Messages produced and not yet reported delivered or failed.")
        queueFull = registry.counter("kafkatrace_producer_queue_full_total", help: "Times the local queue was found full (QUEUE_FULL).")
        backpressureRejected = registry.counter("kafkatrace_producer_backpressure_rejected_total",
            help: "Orders refused because the local queue stayed full past kafka.enqueue_timeout_ms.")
        undeliveredAtShutdown = registry.gauge("kafkatrace_producer_undelivered_at_shutdown",
            help: "Messages still undelivered when the shutdown flush ended.")
        failedByError = LabelledCounters(
            registry: registry, name: "kafkatrace_producer_messages_failed_total", label: "error", fixedLabels: t,
            help: "Messages whose delivery failed, by librdkafka error.")
        rejectedByReason = LabelledCounters(
            registry: registry, name: "kafkatrace_producer_orders_rejected_total", label: "reason",
            help: "Orders refused over HTTP, by validation reason.")
        // Announce the labelled families at start so dashboards and alerts see zeros, not gaps.
        _ = failed(error: "none")
        // Every reason exists at 0 from the start, so rate() sees the first rejection.
        for reason in ["unauthorized", "unsupported_media_type", "body_too_large"] { _ = rejected(reason: reason) }
        for code in ValidationProblem.Code.allCases { _ = rejected(reason: code.rawValue) }
    }

    /// The failure counter for one librdkafka error name.
    func failed(error: String) -> Counter { failedByError.counter(error) }

    /// The HTTP rejection counter for one validation reason code.
    func rejected(reason: String) -> Counter { rejectedByReason.counter(reason) }
}
