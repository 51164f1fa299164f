import Logging
import Prometheus

/// Publishes encoded orders to Kafka: key = customer id, headers per the contract,
/// bounded waiting on a full local queue (backpressure, never a silent drop), and
/// optional waiting for the broker's acknowledgement.
public final class OrderPublisher: Sendable {
    /// What became of one publish request.
    public enum Outcome: Sendable, Equatable {
        /// In librdkafka's queue; delivery is reported later.
        case enqueued
        /// Acknowledged by the brokers at this partition and offset.
        case delivered(partition: Int32, offset: Int64)
        /// Refused by Kafka with this error name.
        case failed(error: String)
    }

    public let topic: String
    public let producer: KafkaProducer
    public let tracker: DeliveryTracker
    public let metrics: ProducerMetrics
    private let enqueueTimeout: Duration

    /// Creates the Kafka producer with a delivery-report callback that feeds `tracker` and `metrics`.
    public init(
        configuration: KafkaProducerConfiguration, topic: String, enqueueTimeout: Duration,
        metrics: ProducerMetrics, logger: Logger,
        onStatistics: (@Sendable (String) -> Void)? = nil,
        onFatalError: @escaping @Sendable (KafkaError) -> Void
    ) throws(KafkaError) {
        let tracker = DeliveryTracker()
        self.topic = topic
        self.tracker = tracker
        self.metrics = metrics
        self.enqueueTimeout = enqueueTimeout
        self.producer = try KafkaProducer(
            configuration: configuration,
            onDeliveryReport: { report in
                if let error = report.error {
                    metrics.failed(error: error.name).increment()
                    logger.warning(
                        "delivery failed",
                        metadata: ["topic": "\(report.topic)", "error": "\(error)", "message_id": "\(report.id)"])
                } else {
                    metrics.delivered.increment()
                    metrics.deliveryLatency.record(report.latency)
                }
                tracker.report(report)
                metrics.inFlight.set(Double(tracker.inFlight))
            },
            onStatistics: onStatistics,
            onError: { error in logger.warning("kafka client error", metadata: ["error": "\(error)"]) },
            onFatalError: onFatalError)
    }

    /// Enqueues one order. With `waitForDelivery`, returns only once the brokers acknowledged
    /// it (or refused it). Throws `.enqueueTimedOut` when the queue stayed full past the bound.
    public func publish(
        key: [UInt8], value: [UInt8], headers: [(String, [UInt8])], waitForDelivery: Bool = false
    ) async throws(KafkaError) -> Outcome {
        let id = tracker.makeID(expectReport: waitForDelivery)
        do {
            try producer.send(topic: topic, key: key, value: value, headers: headers, id: id)
        } catch {
            guard case .queueFull = error else {
                tracker.cancel(id)
                throw error
            }
            metrics.queueFull.increment()
            do {
                try await producer.send(
                    topic: topic, key: key, value: value, headers: headers, id: id, enqueueTimeout: enqueueTimeout)
            } catch {
                tracker.cancel(id)
                if case .enqueueTimedOut = error { metrics.backpressureRejected.increment() }
                throw error
            }
        }
        tracker.sent()
        metrics.produced.increment()
        guard waitForDelivery else { return .enqueued }
        let report = await tracker.wait(for: id)
        if let error = report.error { return .failed(error: error.name) }
        return .delivered(partition: report.partition, offset: report.offset)
    }

    /// Waits up to `timeout` for everything queued to be delivered; returns what is left.
    public func flush(timeout: Duration) async -> Int {
        await producer.flush(timeout: timeout)
    }

    /// Samples librdkafka's queue length into the gauges.
    public func sampleGauges() {
        metrics.queueDepth.set(Double(producer.outQueueLength))
        metrics.inFlight.set(Double(tracker.inFlight))
    }
}
