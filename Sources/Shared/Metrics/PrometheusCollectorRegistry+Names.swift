import Prometheus
import SharedCore

/// Registers metrics by their full Prometheus name (as listed in docs/CONTRACT.md) with help text,
/// through swift-prometheus' descriptor API.
extension PrometheusCollectorRegistry {
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public func counter(_ name: String, labels: [(String, String)] = [], help: String) -> Counter {
        makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func gauge(_ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func durationHistogram(
        _ name: String, labels: [(String, String)] = [], buckets: [Duration], help: String
    ) -> DurationHistogram {
        makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    public func valueHistogram(
        _ name: String, labels: [(String, String)] = [], buckets: [Double], help: String
    ) -> ValueHistogram {
        makeValueHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    /// `kafkatrace_build_info{service,version}` = 1, for "which version runs where".
    public func registerBuildInfo(service: String) {
        gauge(
            "kafkatrace_build_info", labels: [("service", service), ("version", KafkaTrace.version)],
            help: "Always 1; labels carry the service and its version."
        ).set(1.0)
    }
}
