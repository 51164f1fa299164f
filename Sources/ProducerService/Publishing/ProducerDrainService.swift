import Logging
import Prometheus
import ServiceLifecycle
import SharedKafka
import Synchronization

/// The producer's shutdown step. Idles until graceful shutdown, then: closes the ingestion gate
/// (new `POST`s get 503), waits for admitted requests to finish enqueueing, flushes librdkafka
/// within `flushTimeout`, sets `kafkatrace_producer_undelivered_at_shutdown`, logs the result,
/// and closes the producer.
///
/// Place it after the HTTP server and before the generator in the service list: services stop
/// in reverse order, so the generator has stopped before the flush, and the HTTP server keeps
/// serving `/metrics` and `/ready` (503) during it.
final class ProducerDrainService: Service, Sendable {
    private let publisher: OrderPublisher
    private let gate: IngestionGate
    private let flushTimeout: Duration
    private let logger: Logger
    private let result = Mutex<Int?>(nil)

    /// - Parameter flushTimeout: the whole budget for the gate wait and the flush.
    init(publisher: OrderPublisher, gate: IngestionGate, flushTimeout: Duration, logger: Logger) {
        self.publisher = publisher
        self.gate = gate
        self.flushTimeout = flushTimeout
        self.logger = logger
    }

    /// Messages left undelivered by the shutdown flush; nil until it ran.
    var undelivered: Int? { result.withLock { $0 } }

    func run() async throws {
        try? await gracefulShutdown()
        _ = await drain()
    }

    /// Closes ingestion, flushes, records and returns how many messages were left undelivered.
    /// Idempotent: later calls return the first result.
    @discardableResult
    func drain() async -> Int {
        if let done = undelivered { return done }
        let clock = ContinuousClock()
        let start = clock.now
        gate.close()
        let stillInside = await gate.waitUntilIdle(timeout: flushTimeout / 2)
        if stillInside > 0 {
            logger.warning("ingestion requests still enqueueing at shutdown", metadata: ["requests": "\(stillInside)"])
        }
        let queued = publisher.producer.outQueueLength
        logger.notice("flushing Kafka producer", metadata: ["queued": "\(queued)", "timeout": "\(flushTimeout)"])
        let remaining = max(Duration.milliseconds(100), flushTimeout - (clock.now - start))
        let left = await publisher.flush(timeout: remaining)
        publisher.metrics.undeliveredAtShutdown.set(Double(left))
        publisher.sampleGauges()
        let (messages, _) = publisher.enqueuedTotals
        let (delivered, failed) = publisher.tracker.reportedTotals
        let totals: Logger.Metadata = [
            "produced": "\(messages)", "delivered": "\(delivered)", "failed": "\(failed)", "undelivered": "\(left)",
        ]
        if left == 0 {
            logger.notice(
                "Kafka producer flushed; nothing undelivered",
                metadata: totals.merging(["elapsed": "\(clock.now - start)"]) { a, _ in a })
        } else {
            logger.error(
                "Kafka producer flush timed out with messages undelivered",
                metadata: totals.merging(["timeout": "\(flushTimeout)"]) { a, _ in a })
        }
        await publisher.producer.close()
        return result.withLock { r in
            if r == nil { r = left }
            return r!
        }
    }
}
