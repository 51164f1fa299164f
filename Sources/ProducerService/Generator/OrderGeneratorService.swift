import Logging
import Prometheus
import ServiceLifecycle
import SharedKafka
import SharedOrders
import Synchronization

/// The built-in order generator (`order.rate`, `order.jitter`, `order.burst`): paces with
/// `RatePacer`, makes a random valid order, and publishes it with a new `traceparent`.
///
/// Backpressure: when librdkafka's queue stays full past `kafka.enqueue_timeout_ms` it retries
/// (the generator waits, it never drops an order). Rate 0 idles until shutdown; `unlimited`
/// never sleeps. With `limit`, it stops after that many orders (benchmarks) and calls
/// `onLimitReached`. On graceful shutdown it stops at once (the order in hand, made but not yet
/// accepted by librdkafka, is discarded: it was never counted as received). One task makes and
/// sends (see `generate`).
final class OrderGeneratorService: Service, Sendable {
    private let publisher: OrderPublisher
    private let generator: OrderGenerator
    private let rate: RatePacer.Rate
    private let jitter: Double
    private let burst: Int
    private let limit: Int?
    private let onLimitReached: @Sendable () -> Void
    private let logger: Logger
    private let published = Atomic<Int>(0)
    private let shortfall = Atomic<Int>(0)

    /// - Parameters:
    ///   - limit: stop after this many accepted orders (nil = run until shutdown).
    init(
        publisher: OrderPublisher, generator: OrderGenerator, rate: RatePacer.Rate, jitter: Double = 0,
        burst: Int = 1, limit: Int? = nil, logger: Logger, onLimitReached: @escaping @Sendable () -> Void = {}
    ) throws(OrderError) {
        // Validates the pacing once, here, so `run` cannot fail on it.
        _ = try RatePacer(rate: rate, jitter: jitter, burst: burst, start: .now)
        self.publisher = publisher
        self.generator = generator
        self.rate = rate
        self.jitter = jitter
        self.burst = burst
        self.limit = limit
        self.onLimitReached = onLimitReached
        self.logger = logger
    }

    /// Orders accepted by librdkafka so far.
    var publishedCount: Int { published.load(ordering: .relaxed) }

    /// Orders the schedule called for that the pacer dropped because the loop fell more than its
    /// catch-up window behind (see `RatePacer`); also `kafkatrace_producer_generator_shortfall_total`.
    /// Published + shortfall accounts for every order of the schedule.
    var shortfallOrders: Int { shortfall.load(ordering: .relaxed) }

    func run() async throws {
        if rate == .disabled {
            logger.info("order generator off (order.rate=0)")
            try? await gracefulShutdown()
            return
        }
        logger.info(
            "order generator started",
            metadata: ["rate": "\(rate)", "jitter": "\(jitter)", "burst": "\(burst)", "limit": "\(limit.map(String.init) ?? "none")"])
        let reachedLimit = try await cancelWhenGracefulShutdown { [self] in try await generate() }
        if reachedLimit {
            logger.info("order generator reached its limit", metadata: ["orders": "\(publishedCount)"])
            onLimitReached()
            try? await gracefulShutdown()
        }
        logger.info("order generator stopped", metadata: ["orders": "\(publishedCount)"])
    }

    /// Sends between two turns of serving librdkafka's ready callbacks on the generator's own
    /// task (`OrderPublisher.serveDeliveryReports`).
    static let sendsPerServe = 16

    /// Runs the generator; returns true when it stopped at `limit`.
    ///
    /// One loop paces, makes and encodes each order into one reused encoder and hands it to
    /// librdkafka, waiting on a full queue (never dropping). Every `sendsPerServe` sends it serves
    /// the delivery reports that are ready, as librdkafka's own producer examples do after each
    /// produce: the messages delivered are freed on the thread that allocated them, and a producer
    /// running flat out does not wait for the poll thread to wake. (Making and sending as two tasks
    /// with a hand-over of chunks, as before, was about 5 % slower on two cores: docs/benchmarks.md.)
    private func generate() async throws -> Bool {
        let limit = limit ?? Int.max
        if limit <= 0 { return true }
        var pacer = try RatePacer(rate: rate, jitter: jitter, burst: burst, start: .now)
        // One fast generator, seeded once from the system, for the orders and their trace ids
        // (see `Xoshiro256StarStar`).
        var rng = Xoshiro256StarStar()
        var event = OrderEventEncoder()
        let metrics = publisher.metrics
        let window = pacer.catchUpWindow
        let onShortfall = { [self] (orders: Int64) in
            metrics.generatorShortfall.increment(by: orders)
            if shortfall.add(Int(orders), ordering: .relaxed).oldValue == 0 {
                logger.notice(
                    "order generator fell behind its rate; dropping what it cannot make up",
                    metadata: ["rate": "\(rate)", "catch_up_window": "\(window)", "orders": "\(orders)"])
            }
        }
        defer {
            if shortfallOrders > 0 {
                logger.notice("order generator fell behind its rate", metadata: ["shortfall_orders": "\(shortfallOrders)"])
            }
        }
        do {
            try await pacer.run(onShortfall: onShortfall) { [self] in
                let order = generator.makeOrder(at: .now(), using: &rng)
                metrics.ordersGenerated.increment()
                event.encode(order, traceParent: TraceParent.generate(using: &rng))
                do throws(KafkaError) {
                    // The plain call first: no async frame for the common case, room in the queue.
                    if try publisher.tryEnqueue(
                        key: event.key, value: event.value, headers: event.headers, expectReport: false) == nil
                    {
                        _ = try await publisher.enqueueWaiting(key: event.key, value: event.value, headers: event.headers)
                    }
                } catch {
                    if Task.isCancelled { throw GeneratorCancelled() }
                    throw ProducerError.generatorFailed(error)
                }
                metrics.receivedGenerator.increment()
                // `generate` runs once per service, so this is also the count of this loop.
                let count = published.add(1, ordering: .relaxed).newValue
                if count % Self.sendsPerServe == 0 { publisher.serveDeliveryReports() }
                if count >= limit { throw GeneratorLimitReached() }
            }
        } catch is GeneratorLimitReached {
            return true
        } catch is GeneratorCancelled {
            return false
        }
        return false
    }
}

/// Ends the pacing loop when a send waiting for room was cancelled (graceful shutdown).
private struct GeneratorCancelled: Error {}

/// Ends the pacing loop at the generator's limit.
private struct GeneratorLimitReached: Error {}
