import Logging
import Prometheus
import SharedKafka
import SharedOrders
import Synchronization

/// Publishes encoded orders to Kafka: key = customer id, headers per the contract,
/// bounded waiting on a full local queue (backpressure, never a silent drop), and
/// optional waiting for the broker's acknowledgement.
final class OrderPublisher: Sendable {
    /// What became of one publish request.
    enum Outcome: Sendable, Equatable {
        /// In librdkafka's queue; delivery is reported later.
        case enqueued
        /// Acknowledged by the brokers at this partition and offset.
        case delivered(partition: Int32, offset: Int64)
        /// Refused by Kafka with this error name.
        case failed(error: String)
    }

    /// A message librdkafka accepted; pass it to `outcome(of:)` when it was enqueued with
    /// `expectReport`.
    struct Ticket: Sendable, Hashable {
        let id: UInt64
        let expectsReport: Bool
    }

    let topic: String
    let producer: KafkaProducer
    let tracker: DeliveryTracker
    let metrics: ProducerMetrics
    /// The default bound for waiting on a full queue (`kafka.enqueue_timeout_ms`).
    let enqueueTimeout: Duration
    private let valueBytes = Atomic<Int>(0)
    private let enqueuedCount = Atomic<Int>(0)

    /// Creates the Kafka producer with a delivery-report callback that feeds `tracker` and `metrics`.
    init(
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
        let failures = FailureLogLimiter()
        self.producer = try KafkaProducer(
            configuration: configuration,
            onDeliveryReport: { report in
                if let error = report.error {
                    metrics.failed(error: error.name).increment()
                    if failures.shouldLog() {
                        logger.warning(
                            "delivery failed",
                            metadata: ["topic": "\(report.topic)", "error": "\(error)", "message_id": "\(report.id)"])
                    }
                } else {
                    metrics.delivered.increment()
                    metrics.deliveryLatency.record(report.latency)
                }
                tracker.report(report)
            },
            onStatistics: onStatistics,
            onError: { error in logger.warning("kafka client error", metadata: ["error": "\(error)"]) },
            onFatalError: onFatalError)
    }

    /// Publishes one order (key = customer id, contract headers with `traceParent`).
    /// With `waitForDelivery`, returns only once the brokers acknowledged it (or refused it).
    /// Throws `.enqueueTimedOut` when the queue stayed full past `enqueueTimeout`.
    func publish(
        _ order: Order, traceParent: TraceParent, waitForDelivery: Bool = false
    ) async throws(KafkaError) -> Outcome {
        var event = OrderEventEncoder()
        event.encode(order, traceParent: traceParent)
        return try await publish(key: event.key, value: event.value, headers: event.headers, waitForDelivery: waitForDelivery)
    }

    /// Publishes raw bytes; see `publish(_:traceParent:waitForDelivery:)`.
    func publish(
        key: [UInt8], value: [UInt8], headers: [(String, [UInt8])], waitForDelivery: Bool = false
    ) async throws(KafkaError) -> Outcome {
        let ticket = try await enqueue(key: key, value: value, headers: headers, expectReport: waitForDelivery)
        guard waitForDelivery else { return .enqueued }
        return await outcome(of: ticket)
    }

    /// Hands one message to librdkafka if its queue has room now, without waiting: nil when the
    /// queue is full (counted in `queue_full_total`; `enqueue` waits for room). Other errors throw.
    func tryEnqueue(
        key: [UInt8], value: [UInt8], headers: [(String, [UInt8])], expectReport: Bool
    ) throws(KafkaError) -> Ticket? {
        let id = tracker.makeID(expectReport: expectReport)
        do {
            try producer.send(topic: topic, key: key, value: value, headers: headers, id: id)
        } catch {
            tracker.cancel(id)
            guard case .queueFull = error else { throw error }
            metrics.queueFull.increment()
            return nil
        }
        return enqueued(id: id, valueBytes: value.count, expectReport: expectReport)
    }

    /// Hands one message to librdkafka. On a full queue waits up to `enqueueTimeout`
    /// (default: the configured bound) for room, then throws `.enqueueTimedOut`; counts
    /// `queue_full_total` and `backpressure_rejected_total` accordingly.
    func enqueue(
        key: [UInt8], value: [UInt8], headers: [(String, [UInt8])], expectReport: Bool,
        enqueueTimeout: Duration? = nil
    ) async throws(KafkaError) -> Ticket {
        if let ticket = try tryEnqueue(key: key, value: value, headers: headers, expectReport: expectReport) {
            return ticket
        }
        let id = tracker.makeID(expectReport: expectReport)
        do {
            try await producer.send(
                topic: topic, key: key, value: value, headers: headers, id: id,
                enqueueTimeout: enqueueTimeout ?? self.enqueueTimeout)
        } catch {
            tracker.cancel(id)
            if case .enqueueTimedOut = error { metrics.backpressureRejected.increment() }
            throw error
        }
        return enqueued(id: id, valueBytes: value.count, expectReport: expectReport)
    }

    private func enqueued(id: UInt64, valueBytes count: Int, expectReport: Bool) -> Ticket {
        metrics.produced.increment()
        valueBytes.add(count, ordering: .relaxed)
        enqueuedCount.add(1, ordering: .relaxed)
        return Ticket(id: id, expectsReport: expectReport)
    }

    /// Like `enqueue`, but never gives up on a full queue: retries each bound (the generator's
    /// policy: wait, never drop) until the task is cancelled, then throws `.enqueueTimedOut`.
    /// Other errors are thrown at once.
    func enqueueWaiting(
        key: [UInt8], value: [UInt8], headers: [(String, [UInt8])]
    ) async throws(KafkaError) -> Ticket {
        while true {
            do {
                return try await enqueue(key: key, value: value, headers: headers, expectReport: false)
            } catch {
                guard case .enqueueTimedOut = error, !Task.isCancelled else { throw error }
            }
        }
    }

    /// Serves the delivery reports that are ready now on the calling thread, without waiting
    /// (`KafkaProducer.serveReadyCallbacks`); for a loop that sends flat out.
    func serveDeliveryReports() { producer.serveReadyCallbacks() }

    /// Waits for the delivery report of a ticket enqueued with `expectReport`.
    func outcome(of ticket: Ticket) async -> Outcome {
        guard ticket.expectsReport else { return .enqueued }
        let report = await tracker.wait(for: ticket.id)
        if let error = report.error { return .failed(error: error.name) }
        return .delivered(partition: report.partition, offset: report.offset)
    }

    /// Waits up to `timeout` for everything queued to be delivered; returns what is left.
    func flush(timeout: Duration) async -> Int {
        await producer.flush(timeout: timeout)
    }

    /// Messages librdkafka accepted since start, and the sum of their value sizes.
    var enqueuedTotals: (messages: Int, valueBytes: Int) {
        (enqueuedCount.load(ordering: .relaxed), valueBytes.load(ordering: .relaxed))
    }

    /// Samples librdkafka's queue length and the in-flight count into the gauges.
    func sampleGauges() {
        metrics.queueDepth.set(Double(producer.outQueueLength))
        metrics.inFlight.set(Double(tracker.inFlight))
    }
}

/// Logs at most a few delivery failures per second (a dead cluster fails every message).
private final class FailureLogLimiter: Sendable {
    private let window = Mutex<(start: ContinuousClock.Instant, count: Int)>((ContinuousClock.now, 0))

    func shouldLog(limitPerSecond: Int = 5) -> Bool {
        window.withLock { w in
            let now = ContinuousClock.now
            if now - w.start >= .seconds(1) { w = (now, 0) }
            w.count += 1
            return w.count <= limitPerSecond
        }
    }
}
