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
/// `onLimitReached`. On graceful shutdown it stops at once (the orders in hand, made but not yet
/// accepted by librdkafka, at most `chunksInFlight` chunks, are discarded: they were never
/// counted as received). Making and publishing run as two tasks (see `generate`).
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

    /// Chunks circulating between the making and the publishing side.
    static let chunksInFlight = 3

    /// Runs the generator; returns true when it stopped at `limit`.
    ///
    /// Two tasks, so that making orders and librdkafka's produce calls can use both cores: the
    /// pacing loop (`make`) makes and encodes orders into chunks, the publishing loop (`publish`)
    /// hands each chunk's events to librdkafka in the order they were made. A chunk travels when
    /// it is full or when the pacer is about to sleep, so a paced order leaves at once. Only
    /// `chunksInFlight` chunks exist: when the publishing side is behind, the making side waits
    /// for an empty one, and the pacer sees that as lateness (made up, or counted as shortfall).
    private func generate() async throws -> Bool {
        let limit = limit ?? Int.max
        if limit <= 0 { return true }
        let (filled, toPublish) = AsyncStream.makeStream(of: OrderEventChunk.self)
        let (empty, toRefill) = AsyncStream.makeStream(of: OrderEventChunk.self)
        for _ in 0..<Self.chunksInFlight { toRefill.yield(OrderEventChunk()) }
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { [self] in try await publish(filled, returningTo: toRefill, limit: limit) }
            do {
                try await make(into: toPublish, from: empty, limit: limit)
            } catch {
                group.cancelAll()
                throw error
            }
            toPublish.finish()
            let reachedLimit = try await group.next() ?? false
            if shortfallOrders > 0 {
                logger.notice("order generator fell behind its rate", metadata: ["shortfall_orders": "\(shortfallOrders)"])
            }
            return reachedLimit
        }
    }

    /// The making side: paces, makes and encodes orders into chunks, and hands them over. Returns
    /// after `limit` orders, on cancellation, or when the publishing side has ended.
    private func make(
        into toPublish: AsyncStream<OrderEventChunk>.Continuation, from empty: AsyncStream<OrderEventChunk>, limit: Int
    ) async throws {
        var pacer = try RatePacer(rate: rate, jitter: jitter, burst: burst, start: .now)
        // One fast generator, seeded once from the system, for the orders and their trace ids
        // (see `Xoshiro256StarStar`).
        var rng = Xoshiro256StarStar()
        var emptyChunks = empty.makeAsyncIterator()
        guard var chunk = await emptyChunks.next() else { return }
        let metrics = publisher.metrics
        var made = 0
        /// Sends the chunk and takes an empty one; false when the publishing side has ended.
        func handOver() async -> Bool {
            toPublish.yield(chunk)
            guard let next = await emptyChunks.next() else { return false }
            chunk = next
            chunk.removeAll()
            return true
        }
        let window = pacer.catchUpWindow
        let onShortfall = { [self] (orders: Int64) in
            metrics.generatorShortfall.increment(by: orders)
            if shortfall.add(Int(orders), ordering: .relaxed).oldValue == 0 {
                logger.notice(
                    "order generator fell behind its rate; dropping what it cannot make up",
                    metadata: ["rate": "\(rate)", "catch_up_window": "\(window)", "orders": "\(orders)"])
            }
        }
        do {
            try await pacer.run(
                sleep: { deadline in
                    if !chunk.isEmpty, !(await handOver()) { throw PublishingSideEnded() }
                    try await Task.sleep(until: deadline, clock: .continuous)
                },
                onShortfall: onShortfall
            ) { [self] in
                let order = generator.makeOrder(at: .now(), using: &rng)
                metrics.ordersGenerated.increment()
                chunk.append(order, traceParent: TraceParent.generate(using: &rng))
                made += 1
                if made >= limit { throw GeneratorLimitReached() }
                if chunk.isFull, !(await handOver()) { throw PublishingSideEnded() }
            }
        } catch is GeneratorLimitReached {
            toPublish.yield(chunk)
        } catch is PublishingSideEnded {
            return
        }
    }

    /// The publishing side: hands every event of every chunk to librdkafka, in order, waiting
    /// on a full queue (never dropping), and returns the chunks. Returns true at `limit`.
    private func publish(
        _ filled: AsyncStream<OrderEventChunk>, returningTo toRefill: AsyncStream<OrderEventChunk>.Continuation,
        limit: Int
    ) async throws -> Bool {
        defer { toRefill.finish() }  // releases the making side when this side ends
        let metrics = publisher.metrics
        var count = 0
        for await chunk in filled {
            for event in chunk.events {
                do throws(KafkaError) {
                    // The plain call first: no async frame for the common case, room in the queue.
                    if try publisher.tryEnqueue(
                        key: event.key, value: event.value, headers: event.headers, expectReport: false) == nil
                    {
                        _ = try await publisher.enqueueWaiting(key: event.key, value: event.value, headers: event.headers)
                    }
                } catch {
                    if Task.isCancelled { return false }
                    throw ProducerError.generatorFailed(error)
                }
                metrics.receivedGenerator.increment()
                published.add(1, ordering: .relaxed)
                count += 1
                if count >= limit { return true }
            }
            toRefill.yield(chunk)
        }
        return false
    }
}

/// Ends the making side when the publishing side has ended.
private struct PublishingSideEnded: Error {}

/// Ends the pacing loop at the generator's limit.
private struct GeneratorLimitReached: Error {}
