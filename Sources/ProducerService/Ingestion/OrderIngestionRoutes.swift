import SharedCore
import Logging
import Prometheus
import SharedHTTP
import SharedKafka
import SharedOrders
import Synchronization

/// `POST /v1/orders` (one order) and `POST /v1/orders:batch` (a JSON array, or NDJSON).
///
/// Checks, in order: shutting down → `503`; `producer.auth_token` set and no matching
/// `Authorization: Bearer` → `401`; `Content-Type` not JSON → `415` (accepted: none,
/// `application/json`, `application/*+json`, and for batches `application/x-ndjson`,
/// `application/ndjson`, `application/jsonl`); body over `maxBodyBytes` → `413`; `?wait=` other
/// than `delivery`/`enqueue` → `400`; then every order is decoded and validated. Any problem →
/// `400 {"error":"invalid_order","problems":[...]}` and nothing is produced. A batch is
/// all-or-nothing at validation: one bad order rejects the whole batch (every problem listed,
/// with its `index`).
///
/// Valid orders keep a caller-supplied `order_id` (idempotent retries) and `created_at`; the
/// caller's `traceparent` header, when valid, goes on every order of the request (an invalid one
/// is replaced, as W3C trace context asks), else each order gets a new one. Answers:
/// `202 {"order_ids":[...],"status":"enqueued"}` once librdkafka accepted them; with
/// `?wait=delivery`, `201` with partition/offset per order after the brokers acknowledged every
/// one (`502 delivery_failed` when any failed). When librdkafka's queue stays full past
/// `kafka.enqueue_timeout_ms`: `503` + `Retry-After: 1`, listing which ids of a batch were
/// enqueued before (they will be delivered) and which were not (retry those).
///
/// Rejections are counted in `kafkatrace_producer_orders_rejected_total{reason}`: one per
/// rejected order by its first problem's code, or `unauthorized`, `unsupported_media_type`,
/// `body_too_large`.
final class OrderIngestionRoutes: Sendable {
    static let singlePath = "/v1/orders"
    static let batchPath = "/v1/orders:batch"

    struct Configuration: Sendable {
        /// `producer.auth_token`; nil = no authentication.
        var authToken: String?
        /// `http.max_body_bytes` (the server answers 413 before this for real sockets).
        var maxBodyBytes: Int
        /// Most orders in one batch.
        var maxBatchOrders: Int
        var validator: OrderValidator

        init(
            authToken: String? = nil, maxBodyBytes: Int = 1_048_576, maxBatchOrders: Int = 10_000,
            validator: OrderValidator = OrderValidator()
        ) {
            self.authToken = authToken
            self.maxBodyBytes = maxBodyBytes
            self.maxBatchOrders = maxBatchOrders
            self.validator = validator
        }
    }

    private let publisher: OrderPublisher
    private let ids: OrderIDGenerator
    private let gate: IngestionGate
    private let configuration: Configuration
    private let token: BearerToken?
    private let logger: Logger
    /// Trace ids for orders that come without a `traceparent` (see `Xoshiro256StarStar`).
    private let traceIDs = Mutex(Xoshiro256StarStar())

    init(
        publisher: OrderPublisher, ids: OrderIDGenerator, gate: IngestionGate, configuration: Configuration,
        logger: Logger
    ) {
        self.publisher = publisher
        self.ids = ids
        self.gate = gate
        self.configuration = configuration
        self.token = configuration.authToken.flatMap { $0.isEmpty ? nil : BearerToken($0) }
        self.logger = logger
    }

    /// Registers `POST /v1/orders` (inline on the event loop: one order is answered there when
    /// nothing has to wait) and `POST /v1/orders:batch` (async: a batch's decoding and enqueueing
    /// stay off the event loop) on `router`.
    func register(on router: Router) {
        router.add("POST", Self.singlePath, inline: { [self] (request: HTTPRequest) -> HTTPInlineResult in
            start(request, isBatch: false)
        })
        router.add("POST", Self.batchPath) { [self] (request: HTTPRequest) async -> HTTPResponse in
            await handleBatch(request)
        }
    }

    /// `POST /v1/orders`.
    func handleSingle(_ request: HTTPRequest) async -> HTTPResponse {
        await start(request, isBatch: false).response()
    }

    /// `POST /v1/orders:batch`.
    func handleBatch(_ request: HTTPRequest) async -> HTTPResponse {
        await start(request, isBatch: true).response()
    }

    private var metrics: ProducerMetrics { publisher.metrics }

    /// Checks and decodes the request and hands its orders to librdkafka without waiting; answers
    /// at once when nothing had to wait. When librdkafka's queue is full, the rest is enqueued by
    /// an async continuation (`enqueueRest`), and with `?wait=delivery` the answer waits for the
    /// acknowledgements. The gate is left exactly once, when enqueueing has ended.
    private func start(_ request: HTTPRequest, isBatch: Bool) -> HTTPInlineResult {
        guard gate.enter() else {
            return .response(
                IngestionResponse.error(503, "shutting_down", "the producer is shutting down; send to another instance"))
        }
        var isInside = true
        defer { if isInside { gate.leave() } }

        if let refusal = precheck(request, isBatch: isBatch) { return .response(refusal.response) }
        let waitForDelivery: Bool
        switch request.queryValue("wait") {
        case nil, "enqueue": waitForDelivery = false
        case "delivery": waitForDelivery = true
        case let other?:
            return .response(
                IngestionResponse.error(
                    400, "invalid_parameter", "wait=\(other.prefix(40)) is not allowed; use wait=delivery or wait=enqueue"))
        }
        let orders: [Order]
        switch decode(request, isBatch: isBatch) {
        case .success(let decoded): orders = decoded
        case .failure(let rejection): return .response(rejection.response)
        }

        let traceParent = request.header("traceparent").flatMap { try? TraceParent(parsing: $0) }
        var event = OrderEventEncoder()
        var tickets: [OrderPublisher.Ticket] = []
        tickets.reserveCapacity(orders.count)
        for (i, order) in orders.enumerated() {
            event.encode(order, traceParent: traceParent ?? newTraceParent())
            let ticket: OrderPublisher.Ticket?
            do {
                ticket = try publisher.tryEnqueue(
                    key: event.key, value: event.value, headers: event.headers, expectReport: waitForDelivery)
            } catch {
                metrics.receivedHTTP.increment(by: Int64(i))
                return .response(enqueueFailed(error, orders: orders, enqueuedCount: i))
            }
            guard let ticket else {
                isInside = false  // enqueueRest leaves the gate
                return .suspend { [self, tickets] in
                    await enqueueRest(
                        orders, from: i, tickets: tickets, traceParent: traceParent, waitForDelivery: waitForDelivery)
                }
            }
            tickets.append(ticket)
        }
        metrics.receivedHTTP.increment(by: Int64(orders.count))
        gate.leave()
        isInside = false
        guard waitForDelivery else { return .response(IngestionResponse.enqueued(orders.map(\.orderID))) }
        return .suspend { [self, tickets] in await deliveries(of: orders, tickets: tickets) }
    }

    /// `start` from order `first` on, once librdkafka's queue was full: waits for room for each
    /// remaining order (`kafka.enqueue_timeout_ms`, then 503), leaves the gate, then answers.
    private func enqueueRest(
        _ orders: [Order], from first: Int, tickets: [OrderPublisher.Ticket], traceParent: TraceParent?,
        waitForDelivery: Bool
    ) async -> HTTPResponse {
        var tickets = tickets
        var event = OrderEventEncoder()
        for i in first..<orders.count {
            event.encode(orders[i], traceParent: traceParent ?? newTraceParent())
            do {
                tickets.append(
                    try await publisher.enqueue(
                        key: event.key, value: event.value, headers: event.headers, expectReport: waitForDelivery))
            } catch {
                metrics.receivedHTTP.increment(by: Int64(i))
                gate.leave()
                return enqueueFailed(error, orders: orders, enqueuedCount: i)
            }
        }
        metrics.receivedHTTP.increment(by: Int64(orders.count))
        gate.leave()
        guard waitForDelivery else { return IngestionResponse.enqueued(orders.map(\.orderID)) }
        return await deliveries(of: orders, tickets: tickets)
    }

    /// Waits for every ticket's delivery report: `201` with partition/offset per order, or `502`.
    private func deliveries(of orders: [Order], tickets: [OrderPublisher.Ticket]) async -> HTTPResponse {
        var deliveries: [IngestionResponse.Delivery] = []
        deliveries.reserveCapacity(tickets.count)
        for (ticket, order) in zip(tickets, orders) {
            deliveries.append(.init(orderID: order.orderID, outcome: await publisher.outcome(of: ticket)))
        }
        return IngestionResponse.delivered(deliveries)
    }

    /// A new trace for an order that came without a `traceparent`.
    private func newTraceParent() -> TraceParent {
        traceIDs.withLock { TraceParent.generate(using: &$0) }
    }

    private struct Rejection: Error {
        var response: HTTPResponse
    }

    /// Auth, media type and size.
    private func precheck(_ request: HTTPRequest, isBatch: Bool) -> Rejection? {
        if let token, !token.accepts(authorization: request.header("authorization")) {
            metrics.rejected(reason: "unauthorized").increment()
            return Rejection(
                response: IngestionResponse.error(
                    401, "unauthorized", "missing or wrong Authorization: Bearer token",
                    headers: [("WWW-Authenticate", "Bearer realm=\"kafkatrace\"")]))
        }
        if Self.batchFormat(contentType: request.header("content-type"), isBatch: isBatch) == nil {
            metrics.rejected(reason: "unsupported_media_type").increment()
            let allowed = isBatch ? "application/json or application/x-ndjson" : "application/json"
            return Rejection(
                response: IngestionResponse.error(
                    415, "unsupported_media_type",
                    "Content-Type \(request.header("content-type")?.prefix(80) ?? "") is not accepted; use \(allowed)"))
        }
        if request.body.count > configuration.maxBodyBytes {
            metrics.rejected(reason: "body_too_large").increment()
            return Rejection(
                response: IngestionResponse.error(
                    413, "body_too_large",
                    "body has \(request.body.count) bytes; at most \(configuration.maxBodyBytes) (http.max_body_bytes)"))
        }
        return nil
    }

    /// Decodes and validates every order of the request; all or nothing.
    private func decode(_ request: HTTPRequest, isBatch: Bool) -> Result<[Order], Rejection> {
        let validator = configuration.validator
        if !isBatch {
            do throws(OrderDecodingError) {
                let draft = try OrderCodec.decodeDraft(request.body, presence: .submission)
                return .success([try validator.makeOrder(from: draft, generator: ids)])
            } catch {
                metrics.rejected(reason: error.code.rawValue).increment()
                return .failure(Rejection(response: IngestionResponse.invalid(error.problems.map { .init(problem: $0) })))
            }
        }
        let format = Self.batchFormat(contentType: request.header("content-type"), isBatch: true) ?? .auto
        let entries: [OrderCodec.BatchEntry]
        do throws(OrderBatchError) {
            entries = try OrderCodec.decodeBatch(request.body, format: format, maxOrders: configuration.maxBatchOrders)
        } catch {
            metrics.rejected(reason: error.code.rawValue).increment()
            let field = error.code == .invalidJSON ? "" : "(batch)"
            return .failure(
                Rejection(response: IngestionResponse.invalid([.init(problem: ValidationProblem(error.code, field: field, error.description))])))
        }
        // Validate everything first (no ids are drawn for a batch that is rejected).
        var problems: [IngestionResponse.Problem] = []
        for entry in entries {
            let entryProblems: [ValidationProblem]
            switch entry.result {
            case .success(let draft): entryProblems = validator.validate(draft)
            case .failure(let error): entryProblems = error.problems
            }
            if let first = entryProblems.first { metrics.rejected(reason: first.code.rawValue).increment() }
            problems += entryProblems.map { .init(problem: $0, index: entry.index, line: entry.line) }
        }
        if !problems.isEmpty { return .failure(Rejection(response: IngestionResponse.invalid(problems))) }
        var orders: [Order] = []
        orders.reserveCapacity(entries.count)
        for entry in entries {
            guard case .success(let draft) = entry.result else { continue }
            do throws(OrderDecodingError) {
                orders.append(try validator.makeOrder(from: draft, generator: ids))
            } catch {
                // Unreachable in practice (validated above); report rather than trap.
                metrics.rejected(reason: error.code.rawValue).increment()
                return .failure(
                    Rejection(response: IngestionResponse.invalid(error.problems.map { .init(problem: $0, index: entry.index, line: entry.line) })))
            }
        }
        return .success(orders)
    }

    private func enqueueFailed(_ error: KafkaError, orders: [Order], enqueuedCount: Int) -> HTTPResponse {
        let enqueued = orders[..<enqueuedCount].map(\.orderID)
        let notEnqueued = orders[enqueuedCount...].map(\.orderID)
        if case .enqueueTimedOut = error {
            logger.warning(
                "ingestion refused: local Kafka queue stayed full",
                metadata: ["error": "\(error)", "enqueued": "\(enqueued.count)", "not_enqueued": "\(notEnqueued.count)"])
            return IngestionResponse.queueFull(
                message: "the local Kafka queue stayed full for kafka.enqueue_timeout_ms; retry the not enqueued orders",
                enqueued: enqueued, notEnqueued: notEnqueued)
        }
        logger.error("ingestion failed: Kafka refused the order", metadata: ["error": "\(error)"])
        return IngestionResponse.error(
            503, "kafka_unavailable", "Kafka refused the order: \(error)", headers: [("Retry-After", "1")])
    }

    /// The batch framing a `Content-Type` selects, or nil when it is not accepted.
    static func batchFormat(contentType: String?, isBatch: Bool) -> OrderCodec.BatchFormat? {
        guard let contentType else { return .auto }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            String($0).trimmingASCIIWhitespace.lowercased()
        } ?? ""
        switch mediaType {
        case "", "application/json": return .auto
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
            return isBatch ? .ndjson : nil
        default:
            return mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json") ? .auto : nil
        }
    }
}
