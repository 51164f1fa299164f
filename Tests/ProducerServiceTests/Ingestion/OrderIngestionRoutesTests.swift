import Foundation
import Logging
@testable import ProducerService
@testable import SharedHTTP
@testable import SharedKafka
@testable import SharedOrders
import Testing

@Suite struct OrderIngestionRoutesTests {
    /// The routes over a fixture, registered on a `Router` and dispatched in memory.
    struct Harness {
        let fixture: ProducerFixture
        let gate = IngestionGate()
        let ids: OrderIDGenerator
        let routes: OrderIngestionRoutes
        let router = Router()

        init(_ fixture: ProducerFixture, authToken: String? = nil, maxBodyBytes: Int = 8192) throws {
            self.fixture = fixture
            ids = try OrderIDGenerator(instanceID: "TEST1")
            routes = OrderIngestionRoutes(
                publisher: fixture.publisher, ids: ids, gate: gate,
                configuration: .init(authToken: authToken, maxBodyBytes: maxBodyBytes, maxBatchOrders: 100),
                logger: fixture.logger)
            routes.register(on: router)
        }

        func post(
            _ path: String, _ body: String, contentType: String? = "application/json", query: String? = nil,
            headers: [(name: String, value: String)] = []
        ) async -> HTTPResponse {
            var all = headers
            if let contentType { all.append(("Content-Type", contentType)) }
            let request = HTTPRequest(method: "POST", path: path, query: query, headers: all, body: Array(body.utf8))
            let (route, response) = await router.handle(request)
            #expect(route == path)
            return response
        }
    }

    static let single = OrderIngestionRoutes.singlePath
    static let batch = OrderIngestionRoutes.batchPath

    /// Bad input of every kind: a 4xx naming the reason, and nothing reaches Kafka.
    @Test(arguments: [
        (single, #"{"customer_id":"CUST-00001","items":["#, 400, "invalid_json"),
        (single, #"{"customer_id":"CUST-00001","items":[{"item_id":"ITEM-01","name":"Soup","quantity":"2","unit_price":3.00}],"total_amount":6.00}"#, 400, "wrong_type"),
        (single, #"{"customer_id":42,"items":[],"total_amount":1}"#, 400, "wrong_type"),
        (single, ProducerTestSupport.orderJSON(quantity: "0", total: "0.00"), 400, "invalid_quantity"),
        (single, ProducerTestSupport.orderJSON(quantity: "-1", total: "12.50"), 400, "invalid_quantity"),
        (single, ProducerTestSupport.orderJSON(total: "30.00"), 400, "total_mismatch"),
        (single, #"{"items":[],"total_amount":1}"#, 400, "missing_field"),
        (single, ProducerTestSupport.orderJSON(customer: "BOB"), 400, "invalid_customer_id"),
        (single, ProducerTestSupport.orderJSON(orderID: "ORD-1"), 400, "invalid_order_id"),
        (batch, "[]", 400, "no_items"),
        (batch, "[" + ProducerTestSupport.orderJSON() + ",", 400, "invalid_json"),
        (batch, "[" + ProducerTestSupport.orderJSON() + "," + ProducerTestSupport.orderJSON(total: "1.00") + "]", 400, "total_mismatch"),
        (batch, #"{"customer_id":"CUST-00001"}"#, 400, "missing_field"),
    ])
    func rejectsBadInputAndProducesNothing(path: String, body: String, status: Int, code: String) async throws {
        let h = try Harness(try ProducerFixture())
        defer { h.fixture.releaseOffPool() }
        let response = await h.post(path, body)
        #expect(response.status == status)
        let json = try ProducerTestSupport.json(response)
        #expect(json["error"] as? String == "invalid_order")
        let problems = try #require(json["problems"] as? [[String: Any]])
        #expect(problems.contains { $0["code"] as? String == code }, "problems: \(problems)")
        #expect(problems.allSatisfy { ($0["message"] as? String)?.isEmpty == false })
        #expect(h.fixture.publisher.enqueuedTotals.messages == 0)
        #expect(h.fixture.metric("kafkatrace_producer_orders_rejected_total", ["reason": code]) >= 1)
        #expect(h.fixture.metric("kafkatrace_producer_messages_produced_total") == 0)
    }

    @Test func batchIsAllOrNothingAndListsEveryProblemWithItsIndex() async throws {
        let h = try Harness(try ProducerFixture())
        defer { h.fixture.releaseOffPool() }
        let body = [
            ProducerTestSupport.orderJSON(), ProducerTestSupport.orderJSON(quantity: "0", total: "0.00"),
            ProducerTestSupport.orderJSON(), ProducerTestSupport.orderJSON(total: "99.99"),
        ].joined(separator: "\n")
        let response = await h.post(Self.batch, body, contentType: "application/x-ndjson")
        #expect(response.status == 400)
        let problems = try #require(try ProducerTestSupport.json(response)["problems"] as? [[String: Any]])
        #expect(Set(problems.compactMap { $0["index"] as? Int }) == [1, 3])
        #expect(problems.contains { $0["line"] as? Int == 4 && $0["code"] as? String == "total_mismatch" })
        #expect(h.fixture.publisher.enqueuedTotals.messages == 0)
        #expect(h.ids.issuedCount == 0)
    }

    @Test func oversizedUnsupportedUnauthorizedAndBadParameterAreRefused() async throws {
        let h = try Harness(try ProducerFixture(), authToken: "s3cret-token", maxBodyBytes: 512)
        defer { h.fixture.releaseOffPool() }
        let auth = [(name: "Authorization", value: "Bearer s3cret-token")]
        let big = "[" + Array(repeating: ProducerTestSupport.orderJSON(), count: 10).joined(separator: ",") + "]"
        var r = await h.post(Self.batch, big, headers: auth)
        #expect(r.status == 413)
        #expect(try ProducerTestSupport.json(r)["error"] as? String == "body_too_large")
        r = await h.post(Self.single, ProducerTestSupport.orderJSON(), contentType: "text/plain", headers: auth)
        #expect(r.status == 415)
        r = await h.post(Self.single, ProducerTestSupport.orderJSON(), contentType: "application/x-ndjson", headers: auth)
        #expect(r.status == 415)
        r = await h.post(Self.single, ProducerTestSupport.orderJSON())
        #expect(r.status == 401)
        #expect(r.headers.contains { $0.name == "WWW-Authenticate" })
        r = await h.post(Self.single, ProducerTestSupport.orderJSON(), headers: [("Authorization", "Bearer s3cret-tokem")])
        #expect(r.status == 401)
        r = await h.post(Self.single, ProducerTestSupport.orderJSON(), query: "wait=forever", headers: auth)
        #expect(r.status == 400)
        let (_, getResponse) = await h.router.handle(HTTPRequest(method: "GET", path: Self.single))
        #expect(getResponse.status == 405)
        #expect(h.fixture.publisher.enqueuedTotals.messages == 0)
        #expect(h.fixture.metric("kafkatrace_producer_orders_rejected_total", ["reason": "unauthorized"]) == 2)
        #expect(h.fixture.metric("kafkatrace_producer_orders_rejected_total", ["reason": "unsupported_media_type"]) == 2)
        #expect(h.fixture.metric("kafkatrace_producer_orders_rejected_total", ["reason": "body_too_large"]) == 1)
        r = await h.post(Self.single, ProducerTestSupport.orderJSON(), headers: auth)
        #expect(r.status == 202)
        #expect(await h.fixture.publisher.flush(timeout: .seconds(20)) == 0)
    }

    @Test func goodOrdersAreEnqueuedDeliveredAndReadBackIntact() async throws {
        let h = try Harness(try ProducerFixture(partitions: 3))
        defer { h.fixture.releaseOffPool() }
        let callerTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        var expected: [String: (customer: String, trace: String?)] = [:]

        var r = await h.post(Self.single, ProducerTestSupport.orderJSON(customer: "CUST-00007"), headers: [("traceparent", callerTrace)])
        #expect(r.status == 202)
        var json = try ProducerTestSupport.json(r)
        #expect(json["status"] as? String == "enqueued")
        for id in try #require(json["order_ids"] as? [String]) { expected[id] = ("CUST-00007", callerTrace) }

        let suppliedID = "ORD-20261123-00042-CALLER1"
        r = await h.post(Self.single, ProducerTestSupport.orderJSON(customer: "CUST-00008", orderID: suppliedID))
        #expect(r.status == 202)
        #expect(try ProducerTestSupport.json(r)["order_ids"] as? [String] == [suppliedID])
        expected[suppliedID] = ("CUST-00008", nil)

        let array = "[" + (1...3).map { ProducerTestSupport.orderJSON(customer: "CUST-0001\($0)") }.joined(separator: ",") + "]"
        r = await h.post(Self.batch, array)
        #expect(r.status == 202)
        let arrayIDs = try #require(try ProducerTestSupport.json(r)["order_ids"] as? [String])
        #expect(arrayIDs.count == 3)
        for (i, id) in arrayIDs.enumerated() { expected[id] = ("CUST-0001\(i + 1)", nil) }

        let ndjson = (1...2).map { ProducerTestSupport.orderJSON(customer: "CUST-0002\($0)") }.joined(separator: "\r\n") + "\n\n"
        r = await h.post(Self.batch, ndjson, contentType: nil, query: "wait=delivery")
        #expect(r.status == 201)
        json = try ProducerTestSupport.json(r)
        #expect(json["status"] as? String == "delivered")
        let deliveries = try #require(json["deliveries"] as? [[String: Any]])
        #expect(deliveries.count == 2)
        #expect(deliveries.allSatisfy { ($0["partition"] as? Int ?? -1) >= 0 && ($0["offset"] as? Int ?? -1) >= 0 })
        for (i, d) in deliveries.enumerated() { expected[try #require(d["order_id"] as? String)] = ("CUST-0002\(i + 1)", nil) }

        #expect(await h.fixture.publisher.flush(timeout: .seconds(20)) == 0)
        #expect(h.fixture.metric("kafkatrace_producer_orders_received_total", ["source": "http"]) == 7)
        let messages = try await h.fixture.consume(count: expected.count)
        #expect(messages.count == expected.count)
        var seen = Set<String>()
        for message in messages {
            let order = try OrderCodec.decode(try #require(message.value))
            #expect(seen.insert(order.orderID).inserted, "duplicate \(order.orderID)")
            let want = try #require(expected[order.orderID])
            #expect(order.customerID == want.customer)
            #expect(message.key == Array(want.customer.utf8))
            let headers = OrderHeaders(parsing: message.headers)
            #expect(headers.isSupportedOrderEvent)
            #expect(headers.contentType == "application/json")
            let trace = try #require(headers.traceParent)
            if let callerTrace = want.trace { #expect(trace.description == callerTrace) }
        }
        #expect(seen == Set(expected.keys))
    }

    @Test func fullQueueAnswers503WithRetryAfterAndShutdownAnswers503() async throws {
        let fixture = try ProducerFixture(queueMaxMessages: 1, enqueueTimeout: .milliseconds(100))
        defer { fixture.releaseOffPool() }
        let h = try Harness(fixture)
        try fixture.cluster.setBrokerDown(1)
        var r = await h.post(Self.single, ProducerTestSupport.orderJSON())
        #expect(r.status == 202)
        let batch = "[" + ProducerTestSupport.orderJSON() + "," + ProducerTestSupport.orderJSON() + "]"
        r = await h.post(Self.batch, batch)
        #expect(r.status == 503)
        #expect(r.headers.contains { $0.name == "Retry-After" && $0.value == "1" })
        let json = try ProducerTestSupport.json(r)
        #expect(json["error"] as? String == "queue_full")
        #expect((json["not_enqueued_order_ids"] as? [String])?.count == 2)
        #expect(fixture.metric("kafkatrace_producer_backpressure_rejected_total") == 1)
        #expect(fixture.metric("kafkatrace_producer_queue_full_total") >= 1)

        try fixture.cluster.setBrokerUp(1)
        #expect(await fixture.publisher.flush(timeout: .seconds(20)) == 0)
        h.gate.close()
        r = await h.post(Self.single, ProducerTestSupport.orderJSON())
        #expect(r.status == 503)
        #expect(try ProducerTestSupport.json(r)["error"] as? String == "shutting_down")
        #expect(fixture.publisher.enqueuedTotals.messages == 1)
    }
}
