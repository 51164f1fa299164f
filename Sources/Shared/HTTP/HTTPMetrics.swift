import Prometheus
import Synchronization

/// The HTTP server's Prometheus metrics (names in docs/CONTRACT.md), registered on an injected
/// registry. Handles are cached per (route, method, status) so a request costs one lock and
/// one dictionary lookup; `method` is bounded to the standard methods plus `other`.
public final class HTTPMetrics: Sendable {
    static let requestsTotalName = "kafkatrace_http_requests_total"
    static let requestDurationName = "kafkatrace_http_request_duration_seconds"
    static let connectionsActiveName = "kafkatrace_http_connections_active"
    static let connectionsRejectedName = "kafkatrace_http_connections_rejected_total"

    /// Request duration buckets, 0.5 ms to 10 s.
    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10),
    ]

    private static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    private struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct Handles {
        var counters: [Key: Counter] = [:]
        var histograms: [String: DurationHistogram] = [:]
    }

    private let registry: PrometheusCollectorRegistry
    private let handles = Mutex(Handles())
    private let connectionsActive: Gauge
    private let connectionsRejected: Counter

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        connectionsActive = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "kafkatrace", subsystem: "http", metricName: "connections", unitName: "active",
                helpText: "Open HTTP connections."))
        connectionsRejected = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "kafkatrace", subsystem: "http", metricName: "connections_rejected",
                unitName: "total", helpText: "HTTP connections refused because max_connections was reached."))
    }

    /// Counts one answered request and records its duration (parse end → response queued).
    func recordRequest(route: String, method: String, status: Int, durationNanoseconds: Int64) {
        let method = Self.knownMethods.contains(method) ? method : "other"
        let key = Key(route: route, method: method, status: status)
        let (counter, histogram) = handles.withLock { handles in
            let counter: Counter
            if let cached = handles.counters[key] {
                counter = cached
            } else {
                counter = registry.makeCounter(
                    descriptor: MetricNameDescriptor(
                        namespace: "kafkatrace", subsystem: "http", metricName: "requests", unitName: "total",
                        helpText: "HTTP requests answered, by route pattern, method and status."),
                    labels: [("route", route), ("method", method), ("status", String(status))])
                handles.counters[key] = counter
            }
            let histogram: DurationHistogram
            if let cached = handles.histograms[route] {
                histogram = cached
            } else {
                histogram = registry.makeDurationHistogram(
                    descriptor: MetricNameDescriptor(
                        namespace: "kafkatrace", subsystem: "http", metricName: "request_duration",
                        unitName: "seconds", helpText: "HTTP request handling time, by route pattern."),
                    labels: [("route", route)], buckets: Self.durationBuckets)
                handles.histograms[route] = histogram
            }
            return (counter, histogram)
        }
        counter.increment()
        histogram.recordNanoseconds(durationNanoseconds)
    }

    /// A connection was accepted.
    func connectionOpened() { connectionsActive.increment() }

    /// A connection was closed.
    func connectionClosed() { connectionsActive.decrement() }

    /// A connection was refused because of the connection cap.
    func connectionRejected() { connectionsRejected.increment() }
}
