import Foundation
import Prometheus

/// Reads metric values back from a registry's Prometheus exposition.
public enum MetricsTestSupport {
    /// Sum of the samples of `name` whose labels include `labels`; 0 when absent.
    public static func value(_ registry: PrometheusCollectorRegistry, _ name: String, _ labels: [String: String] = [:]) -> Double {
        var total = 0.0
        for line in registry.emitToString().split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let head = line[..<space]
            let metricName = head.split(separator: "{", maxSplits: 1).first.map(String.init) ?? ""
            guard metricName == name else { continue }
            let labelText = head.contains("{") ? String(head.split(separator: "{", maxSplits: 1)[1].dropLast()) : ""
            var pairs: [String: String] = [:]
            for pair in labelText.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { pairs[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
            guard labels.allSatisfy({ pairs[$0.key] == $0.value }) else { continue }
            total += Double(line[line.index(after: space)...]) ?? 0
        }
        return total
    }
}
