@testable import ConsumerService
import Foundation
import Prometheus
@testable import SharedKafka
@testable import SharedOrders
@testable import TestSupport
import Testing

@Suite struct ConsumerMetricsTests {
    @Test func labelledFamiliesAreAnnouncedWithZerosBeforeAnythingHappens() {
        let registry = PrometheusCollectorRegistry()
        _ = ConsumerMetrics(registry: registry, topic: "food-orders")
        let text = registry.emitToString()
        #expect(text.contains(#"kafkatrace_consumer_messages_consumed_total{topic="food-orders"} 0"#))
        for code in ValidationProblem.Code.allCases {
            #expect(text.contains(#"kafkatrace_consumer_orders_invalid_total{reason="\#(code.rawValue)"} 0"#))
        }
        for kind in ["assign", "revoke", "lost"] {
            #expect(text.contains(#"kafkatrace_consumer_rebalances_total{type="\#(kind)"} 0"#))
        }
        #expect(text.contains(#"kafkatrace_consumer_db_errors_total{sqlstate_class="08"} 0"#))
        #expect(!text.contains("kafkatrace_consumer_lag_messages{"))
    }

    @Test func labelledCountersAreCachedPerLabelValue() {
        let registry = PrometheusCollectorRegistry()
        let metrics = ConsumerMetrics(registry: registry, topic: "t")
        metrics.invalid(reason: "invalid_json").increment()
        metrics.invalid(reason: "invalid_json").increment()
        metrics.dbErrors(sqlstateClass: "53").increment()
        metrics.rebalances(.revoke).increment()
        #expect(MetricsTestSupport.value(registry, "kafkatrace_consumer_orders_invalid_total", ["reason": "invalid_json"]) == 2)
        #expect(MetricsTestSupport.value(registry, "kafkatrace_consumer_db_errors_total", ["sqlstate_class": "53"]) == 1)
        #expect(MetricsTestSupport.value(registry, "kafkatrace_consumer_rebalances_total", ["type": "revoke"]) == 1)
    }

    @Test func consumerTotalsAreAddedAsTheyGrow() {
        let registry = PrometheusCollectorRegistry()
        let metrics = ConsumerMetrics(registry: registry, topic: "t")
        func values() -> [Double] {
            ["kafkatrace_consumer_fetch_restarts_total", "kafkatrace_consumer_buffer_pauses_total"].map {
                MetricsTestSupport.value(registry, $0, [:])
            }
        }
        #expect(registry.emitToString().contains("kafkatrace_consumer_fetch_restarts_total 0"))
        #expect(registry.emitToString().contains("kafkatrace_consumer_buffer_pauses_total 0"))
        metrics.addConsumerTotals(fetchRestarts: 3, bufferPauses: 0)
        #expect(values() == [3, 0])
        metrics.addConsumerTotals(fetchRestarts: 3, bufferPauses: 1)
        #expect(values() == [3, 1])
        metrics.addConsumerTotals(fetchRestarts: 10, bufferPauses: 1)
        #expect(values() == [10, 1])
        // Totals never go down; a smaller one (cannot happen) adds nothing and is not double-counted later.
        metrics.addConsumerTotals(fetchRestarts: 2, bufferPauses: 1)
        metrics.addConsumerTotals(fetchRestarts: 11, bufferPauses: 1)
        #expect(values() == [11, 1])
    }

    @Test func lagSeriesFollowTheAssignment() {
        let registry = PrometheusCollectorRegistry()
        let metrics = ConsumerMetrics(registry: registry, topic: "t")
        let p0 = TopicPartition(topic: "t", partition: 0)
        let p1 = TopicPartition(topic: "t", partition: 1)
        metrics.setLag([p0: (messages: 12, seconds: 3.5), p1: (messages: 0, seconds: 0)])
        var text = registry.emitToString()
        #expect(text.contains(#"kafkatrace_consumer_lag_messages{topic="t",partition="0"} 12"#))
        #expect(text.contains(#"kafkatrace_consumer_lag_seconds{topic="t",partition="0"} 3.5"#))
        #expect(text.contains(#"kafkatrace_consumer_lag_messages{topic="t",partition="1"} 0"#))

        // Partition 0 revoked: its series go, partition 1's value is updated in place.
        metrics.setLag([p1: (messages: 4, seconds: 1)])
        text = registry.emitToString()
        #expect(!text.contains(#"partition="0""#))
        #expect(text.contains(#"kafkatrace_consumer_lag_messages{topic="t",partition="1"} 4"#))
        #expect(text.components(separatedBy: "kafkatrace_consumer_lag_messages{").count == 2)
    }

    @Test(arguments: [(CircuitBreaker.State.closed, 0.0), (.halfOpen, 1), (.open(until: .now), 2)])
    func circuitGaugeEncodesTheBreakerState(state: CircuitBreaker.State, value: Double) {
        let registry = PrometheusCollectorRegistry()
        let metrics = ConsumerMetrics(registry: registry, topic: "t")
        metrics.setCircuit(state)
        #expect(MetricsTestSupport.value(registry, "kafkatrace_consumer_circuit_state") == value)
    }
}
