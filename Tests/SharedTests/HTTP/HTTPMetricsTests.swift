import Prometheus
@testable import SharedHTTP
import Testing


@Suite struct HTTPMetricsTests {
    @Test func countsRequestsByRouteMethodStatusAndBoundsMethods() {
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry)
        metrics.recordRequest(route: "/metrics", method: "GET", status: 200, durationNanoseconds: 300_000)
        metrics.recordRequest(route: "/metrics", method: "GET", status: 200, durationNanoseconds: 2_000_000)
        metrics.recordRequest(route: "other", method: "BREW", status: 404, durationNanoseconds: 1)
        let text = registry.emitToString()
        #expect(text.contains(#"kafkatrace_http_requests_total{route="/metrics",method="GET",status="200"} 2"#))
        #expect(text.contains(#"kafkatrace_http_requests_total{route="other",method="other",status="404"} 1"#))
        #expect(text.contains(#"kafkatrace_http_request_duration_seconds_bucket{route="/metrics",le="0.0005"} 1"#))
        #expect(text.contains(#"kafkatrace_http_request_duration_seconds_count{route="/metrics"} 2"#))
    }

    @Test func connectionGaugeAndRejectedCounter() {
        let registry = PrometheusCollectorRegistry()
        let metrics = HTTPMetrics(registry: registry)
        metrics.connectionOpened()
        metrics.connectionOpened()
        metrics.connectionClosed()
        metrics.connectionRejected()
        let text = registry.emitToString()
        #expect(text.contains("kafkatrace_http_connections_active 1.0"))
        #expect(text.contains("kafkatrace_http_connections_rejected_total 1"))
    }
}
