import Prometheus
import Synchronization

/// One counter family whose series differ by one label (after any fixed labels), with the
/// handle of each label value cached, so a hot path does one dictionary lookup.
public final class LabelledCounters: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let name: String
    private let label: String
    private let fixedLabels: [(String, String)]
    private let help: String
    private let cache = Mutex<[String: Counter]>([:])

    /// - Parameters:
    ///   - label: the varying label's name; `fixedLabels` come first on every series.
    public init(
        registry: PrometheusCollectorRegistry, name: String, label: String, fixedLabels: [(String, String)] = [],
        help: String
    ) {
        self.registry = registry
        self.name = name
        self.label = label
        self.fixedLabels = fixedLabels
        self.help = help
    }

    /// The counter of the series whose label is `value` (registered on first use).
    public func counter(_ value: String) -> Counter {
        cache.withLock { cache in
            if let counter = cache[value] { return counter }
            let counter = registry.counter(name, labels: fixedLabels + [(label, value)], help: help)
            cache[value] = counter
            return counter
        }
    }
}
