import SharedHTTP
import SharedOrders

/// The JSON answers of `POST /v1/orders` and `POST /v1/orders:batch`.

enum IngestionResponse {
    /// One order's delivery outcome, for `?wait=delivery`.
    struct Delivery: Sendable {
        var orderID: String
        var outcome: OrderPublisher.Outcome
    }

    /// One validation problem, with the order's position in a batch.
    struct Problem: Sendable {
        var problem: ValidationProblem
        /// 0-based position in a batch; nil for a single order or a whole-batch problem.
        var index: Int?
        /// 1-based NDJSON line, when known.
        var line: Int?
    }

    /// `202 {"order_ids":[...],"status":"enqueued"}`.
    static func enqueued(_ orderIDs: [String]) -> HTTPResponse {
        var w = JSONByteWriter(capacity: 48 + orderIDs.count * 40)
        w.raw("{\"order_ids\":")
        ids(orderIDs, into: &w)
        w.raw(",\"status\":\"enqueued\"}")
        return response(202, w)
    }

    /// `201 {"order_ids":[...],"status":"delivered","deliveries":[{"order_id","partition","offset"}]}`
    /// when every order was acknowledged; `502 {"error":"delivery_failed",...}` with the same
    /// list (failed entries carry `"error"` instead of partition/offset) otherwise.
    static func delivered(_ deliveries: [Delivery]) -> HTTPResponse {
        let allDelivered = deliveries.allSatisfy {
            if case .delivered = $0.outcome { return true }
            return false
        }
        var w = JSONByteWriter(capacity: 64 + deliveries.count * 90)
        w.raw(allDelivered ? "{\"status\":\"delivered\"" : "{\"error\":\"delivery_failed\",\"status\":\"failed\"")
        w.raw(",\"order_ids\":")
        ids(deliveries.map(\.orderID), into: &w)
        w.raw(",\"deliveries\":[")
        for (i, delivery) in deliveries.enumerated() {
            if i > 0 { w.raw(UInt8(ascii: ",")) }
            w.raw("{\"order_id\":")
            w.string(delivery.orderID)
            switch delivery.outcome {
            case .delivered(let partition, let offset):
                w.raw(",\"partition\":")
                w.integer(Int64(partition))
                w.raw(",\"offset\":")
                w.integer(offset)
            case .failed(let error):
                w.raw(",\"error\":")
                w.string(error)
            case .enqueued:
                w.raw(",\"status\":\"enqueued\"")
            }
            w.raw(UInt8(ascii: "}"))
        }
        w.raw("]}")
        return response(allDelivered ? 201 : 502, w)
    }

    /// `400 {"error":"invalid_order","problems":[{"code","field","message","index"?,"line"?}]}`.
    static func invalid(_ problems: [Problem]) -> HTTPResponse {
        var w = JSONByteWriter(capacity: 64 + problems.count * 160)
        w.raw("{\"error\":\"invalid_order\",\"problems\":[")
        for (i, p) in problems.enumerated() {
            if i > 0 { w.raw(UInt8(ascii: ",")) }
            w.raw("{\"code\":")
            w.string(p.problem.code.rawValue)
            w.raw(",\"field\":")
            w.string(p.problem.field)
            w.raw(",\"message\":")
            w.string(p.problem.message)
            if let index = p.index {
                w.raw(",\"index\":")
                w.integer(Int64(index))
            }
            if let line = p.line {
                w.raw(",\"line\":")
                w.integer(Int64(line))
            }
            w.raw(UInt8(ascii: "}"))
        }
        w.raw("]}")
        return response(400, w)
    }

    /// `{"error":code,"message":message}` with `status` and extra headers.
    static func error(
        _ status: Int, _ code: String, _ message: String, headers: [(name: String, value: String)] = []
    ) -> HTTPResponse {
        var w = JSONByteWriter(capacity: 64 + message.utf8.count)
        w.raw("{\"error\":")
        w.string(code)
        w.raw(",\"message\":")
        w.string(message)
        w.raw(UInt8(ascii: "}"))
        var r = response(status, w)
        r.headers += headers
        return r
    }

    /// `503` + `Retry-After: 1` after the local queue stayed full; lists the ids that were
    /// enqueued before (a batch is enqueued in order) and those that were not.
    static func queueFull(message: String, enqueued: [String], notEnqueued: [String]) -> HTTPResponse {
        var w = JSONByteWriter(capacity: 96 + message.utf8.count + (enqueued.count + notEnqueued.count) * 40)
        w.raw("{\"error\":\"queue_full\",\"message\":")
        w.string(message)
        w.raw(",\"enqueued_order_ids\":")
        ids(enqueued, into: &w)
        w.raw(",\"not_enqueued_order_ids\":")
        ids(notEnqueued, into: &w)
        w.raw(UInt8(ascii: "}"))
        var r = response(503, w)
        r.headers.append(("Retry-After", "1"))
        return r
    }

    private static func ids(_ ids: [String], into w: inout JSONByteWriter) {
        w.raw(UInt8(ascii: "["))
        for (i, id) in ids.enumerated() {
            if i > 0 { w.raw(UInt8(ascii: ",")) }
            w.string(id)
        }
        w.raw(UInt8(ascii: "]"))
    }

    private static func response(_ status: Int, _ w: JSONByteWriter) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: w.bytes)
    }
}
