import Prometheus
import SharedCore
import SharedHTTP
import Synchronization

/// The operational endpoints every daemon serves:
/// - `/health`, `/livez`: 200 `{"status":"ok"}` while the event loop answers (liveness only;
///   never looks at dependencies, so a broken broker never gets the pod killed).
/// - `/ready`, `/readyz`: 200 `{"status":"ready"}` or 503 with every failing check and its reason;
///   `?verbose` lists every check with its state. 503 once `Readiness.beginShutdown()` was called.
/// - `/metrics`: the Prometheus text exposition of the registry; `kafkatrace_ready` and
///   `kafkatrace_readiness_check{check}` are refreshed at each scrape. Scrapes that arrive
///   together share one exposition: a request reuses a body emitted after the loop woke up
///   to read it (never older), so the answer still reflects every change before the request.
///
/// All handlers are synchronous (run inline on the event loop).
public final class ObservabilityRoutes: Sendable {
    /// `Content-Type` of the Prometheus text format 0.0.4.
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    private let readiness: Readiness
    private let registry: PrometheusCollectorRegistry
    private let readyGauge: Gauge
    private let checkGauges = Mutex<[String: Gauge]>([:])
    private let lastMetricsSize = Atomic<Int>(16384)
    /// The latest exposition and the monotonic time its emission started.
    private let latestExposition = Mutex<(startedAt: UInt64, body: [UInt8])?>(nil)

    public init(readiness: Readiness, registry: PrometheusCollectorRegistry) {
        self.readiness = readiness
        self.registry = registry
        readyGauge = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "kafkatrace", metricName: "ready", unitName: "",
                helpText: "1 when every readiness check passes and the daemon is not shutting down."))
    }

    /// Registers the five endpoints on `router` (GET, and HEAD through GET).
    public func register(on router: Router) {
        let liveness: HTTPSyncHandler = { _ in .json(200, #"{"status":"ok"}"#) }
        router.add("GET", "/health", liveness)
        router.add("GET", "/livez", liveness)
        let ready: HTTPSyncHandler = { [self] request in readinessResponse(verbose: request.hasQueryItem("verbose")) }
        router.add("GET", "/ready", ready)
        router.add("GET", "/readyz", ready)
        let metrics: HTTPSyncHandler = { [self] request in
            metricsResponse(receivedAtNanoseconds: request.receivedAtNanoseconds)
        }
        router.add("GET", "/metrics", metrics)
    }

    /// The `/ready` answer: 200 when ready, else 503 naming each failing check.
    func readinessResponse(verbose: Bool) -> HTTPResponse {
        let checks = readiness.snapshot()
        let failing = checks.filter { !$0.state.isPassing }
        let isReady = failing.isEmpty
        var json = isReady ? #"{"status":"ready""# : #"{"status":"not_ready""#
        if !isReady {
            json += #","failing":["# + failing.map(Self.checkJSON).joined(separator: ",") + "]"
        }
        if verbose {
            json += #","checks":["# + checks.map(Self.checkJSON).joined(separator: ",") + "]"
        }
        json += "}"
        return .json(isReady ? 200 : 503, json)
    }

    private static func checkJSON(_ check: Readiness.Check) -> String {
        switch check.state {
        case .passing:
            #"{"check":\#(JSONText.quoted(check.name)),"state":"passing"}"#
        case .failing(let reason):
            #"{"check":\#(JSONText.quoted(check.name)),"state":"failing","reason":\#(JSONText.quoted(reason))}"#
        }
    }

    /// The `/metrics` answer, after refreshing the readiness gauges. With `receivedAtNanoseconds`
    /// (monotonic, > 0) an exposition whose emission started at or after that instant is reused.
    func metricsResponse(receivedAtNanoseconds: UInt64 = 0) -> HTTPResponse {
        if receivedAtNanoseconds > 0,
            let cached = latestExposition.withLock({ $0 }), cached.startedAt >= receivedAtNanoseconds
        {
            return HTTPResponse(status: 200, headers: [("Content-Type", Self.metricsContentType)], body: cached.body)
        }
        let startedAt = MonotonicClock.nanoseconds()
        refreshReadinessGauges()
        var body: [UInt8] = []
        body.reserveCapacity(lastMetricsSize.load(ordering: .relaxed) + 4096)
        registry.emit(into: &body)
        lastMetricsSize.store(body.count, ordering: .relaxed)
        latestExposition.withLock { latest in
            if latest == nil || latest!.startedAt < startedAt { latest = (startedAt, body) }
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", Self.metricsContentType)], body: body)
    }

    private func refreshReadinessGauges() {
        let checks = readiness.snapshot()
        readyGauge.set(checks.allSatisfy(\.state.isPassing) ? 1.0 : 0.0)
        let gauges: [(Gauge, Double)] = checkGauges.withLock { cache in
            checks.map { check in
                let gauge: Gauge
                if let cached = cache[check.name] {
                    gauge = cached
                } else {
                    gauge = registry.makeGauge(
                        descriptor: MetricNameDescriptor(
                            namespace: "kafkatrace", metricName: "readiness_check", unitName: "",
                            helpText: "1 when the named readiness check passes."),
                        labels: [("check", check.name)])
                    cache[check.name] = gauge
                }
                return (gauge, check.state.isPassing ? 1.0 : 0.0)
            }
        }
        for (gauge, value) in gauges { gauge.set(value) }
    }
}
