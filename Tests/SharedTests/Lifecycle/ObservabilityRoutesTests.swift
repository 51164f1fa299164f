import Logging
import Prometheus
@testable import SharedCore
@testable import SharedHTTP
@testable import SharedLifecycle
@testable import TestSupport
import Testing


@Suite struct ObservabilityRoutesTests {
    private func makeRouter(_ readiness: Readiness, _ registry: PrometheusCollectorRegistry) -> Router {
        let router = Router()
        ObservabilityRoutes(readiness: readiness, registry: registry).register(on: router)
        return router
    }

    private func get(_ router: Router, _ path: String, query: String? = nil) async -> HTTPResponse {
        await router.handle(HTTPRequest(method: "GET", path: path, query: query)).response
    }

    @Test func livenessIsOkEvenWhenDependenciesFail() async {
        let readiness = Readiness()
        readiness.set("kafka", .failing(reason: "all brokers down"))
        let router = makeRouter(readiness, PrometheusCollectorRegistry())
        for path in ["/health", "/livez"] {
            let response = await get(router, path)
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == #"{"status":"ok"}"#)
        }
    }

    @Test func readyIs200WhenEveryCheckPasses() async {
        let readiness = Readiness()
        readiness.set("kafka", .passing)
        let router = makeRouter(readiness, PrometheusCollectorRegistry())
        for path in ["/ready", "/readyz"] {
            let response = await get(router, path)
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == #"{"status":"ready"}"#)
        }
    }

    @Test func readyIs503NamingEachFailingCheckWithItsReason() async {
        let readiness = Readiness()
        readiness.set("kafka", .passing)
        readiness.set("postgres", .failing(reason: "connection \"refused\""))
        readiness.register("migrations")
        let router = makeRouter(readiness, PrometheusCollectorRegistry())
        let response = await get(router, "/ready")
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 503)
        #expect(body.contains(#"{"check":"postgres","state":"failing","reason":"connection \"refused\""}"#))
        #expect(body.contains(#""check":"migrations""#))
        #expect(!body.contains(#""check":"kafka""#))
        let verbose = String(decoding: await get(router, "/ready", query: "verbose").body, as: UTF8.self)
        #expect(verbose.contains(#"{"check":"kafka","state":"passing"}"#))
    }

    @Test func readyIs503AfterBeginShutdown() async {
        let readiness = Readiness()
        readiness.set("kafka", .passing)
        let router = makeRouter(readiness, PrometheusCollectorRegistry())
        #expect(await get(router, "/readyz").status == 200)
        readiness.beginShutdown()
        let response = await get(router, "/readyz")
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""check":"shutdown""#))
    }

    @Test func metricsExposeReadinessGaugesRefreshedAtScrape() async {
        let readiness = Readiness()
        let registry = PrometheusCollectorRegistry()
        readiness.set("kafka", .passing)
        readiness.set("postgres", .failing(reason: "down"))
        let router = makeRouter(readiness, registry)
        var response = await get(router, "/metrics")
        var text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 200)
        #expect(response.headers.contains { $0 == ("Content-Type", ObservabilityRoutes.metricsContentType) })
        #expect(text.contains("kafkatrace_ready 0.0"))
        #expect(text.contains(#"kafkatrace_readiness_check{check="kafka"} 1.0"#))
        #expect(text.contains(#"kafkatrace_readiness_check{check="postgres"} 0.0"#))
        readiness.set("postgres", .passing)
        response = await get(router, "/metrics")
        text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("kafkatrace_ready 1.0"))
        #expect(text.contains(#"kafkatrace_readiness_check{check="postgres"} 1.0"#))
    }

    @Test func concurrentScrapesShareAnExpositionButNeverAnOlderOne() {
        let registry = PrometheusCollectorRegistry()
        let counter = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "kafkatrace", metricName: "test_events", unitName: "total", helpText: "test"))
        let routes = ObservabilityRoutes(readiness: Readiness(), registry: registry)
        let before = MonotonicClock.nanoseconds()
        let first = routes.metricsResponse(receivedAtNanoseconds: MonotonicClock.nanoseconds())
        #expect(String(decoding: first.body, as: UTF8.self).contains("kafkatrace_test_events_total 0"))
        counter.increment()
        // A request that arrived before the first emission started may share it.
        let shared = routes.metricsResponse(receivedAtNanoseconds: before)
        #expect(shared.body == first.body)
        // A request that arrived after it gets a fresh exposition with the increment.
        let fresh = routes.metricsResponse(receivedAtNanoseconds: MonotonicClock.nanoseconds())
        #expect(String(decoding: fresh.body, as: UTF8.self).contains("kafkatrace_test_events_total 1"))
        // Without a receive time (in-memory calls) it always emits.
        counter.increment()
        #expect(String(decoding: routes.metricsResponse().body, as: UTF8.self).contains("kafkatrace_test_events_total 2"))
    }

    @Test func sameEndpointsOverARealSocket() async throws {
        let readiness = Readiness()
        readiness.set("kafka", .failing(reason: "no broker"))
        let registry = PrometheusCollectorRegistry()
        let router = makeRouter(readiness, registry)
        try await HTTPServerTests.withServer(router: router, registry: registry) { port in
            let responses = try await offPool {
                let client = try TestHTTPClient(port: port)
                try client.send(
                    "GET /health HTTP/1.1\r\nHost: t\r\n\r\nGET /ready HTTP/1.1\r\nHost: t\r\n\r\n"
                        + "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\nGET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
                return [
                    try client.readResponse(), try client.readResponse(), try client.readResponse(isHead: true),
                    try client.readResponse(),
                ]
            }
            #expect(responses.map(\.status) == [200, 503, 200, 200])
            #expect(responses[1].text.contains("no broker"))
            #expect(responses[2].header("Content-Type") == ObservabilityRoutes.metricsContentType)
            #expect(responses[2].body.isEmpty)
            let metrics = responses[3].text
            #expect(metrics.contains(#"kafkatrace_http_requests_total{route="/health",method="GET",status="200"} 1"#))
            #expect(metrics.contains(#"kafkatrace_http_requests_total{route="/ready",method="GET",status="503"} 1"#))
            // HEAD and GET /metrics arrived together and may share one exposition, taken before
            // the HEAD was counted; requests answered before it are always in it.
            #expect(metrics.contains(#"kafkatrace_http_request_duration_seconds_count{route="/health"} 1"#))
            #expect((Int(responses[2].header("Content-Length") ?? "") ?? 0) > 100)
        }
    }
}
