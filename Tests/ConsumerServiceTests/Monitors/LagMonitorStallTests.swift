@testable import ConsumerService
import Foundation
import Logging
import Prometheus
@testable import SharedKafka
@testable import SharedLifecycle
@testable import SharedLogging
@testable import SharedPostgres
@testable import TestSupport
import Testing

/// What the lag monitor makes of the stall detector's reports: one warning when a stall begins,
/// one notice when it ends, nothing in between; the gauge and the counter. Fed with made-up
/// measurements and instants; the pipeline is built (on an in-process mock cluster) but never run.
@Suite struct LagMonitorStallTests {
    struct Fixture {
        let monitor: LagMonitor
        let sink: LogSink
        let registry: PrometheusCollectorRegistry
        let pipeline: OrderConsumerPipeline
        let cluster: RDKafkaMockCluster

        init(stallAfter: Duration) throws {
            cluster = try RDKafkaMockCluster(brokers: 1)
            sink = LogSink.memory()
            let logger = LogSetup.makeLogger(label: "kafkatrace.consumer", service: "consumer", level: .info, sink: sink)
            registry = PrometheusCollectorRegistry()
            let metrics = ConsumerMetrics(registry: registry, topic: "food-orders")
            let deadLetters = try DeadLetterPublisher(
                configuration: ConsumerTestSupport.dlqProducerConfiguration(cluster), topic: "food-orders.dlq",
                metrics: metrics)
            pipeline = try OrderConsumerPipeline(
                configuration: OrderConsumerPipeline.Configuration(topic: "food-orders"),
                consumerConfiguration: ConsumerTestSupport.consumerConfiguration(cluster, group: "stall-test"),
                stores: [OrderStore(client: try PostgresClient(url: "postgresql://nobody@127.0.0.1:1/none", label: "store"))],
                deadLetters: deadLetters, readiness: Readiness(), metrics: metrics, logger: logger)
            monitor = LagMonitor(pipeline: pipeline, metrics: metrics, stallAfter: stallAfter, logger: logger)
        }

        func lines() throws -> [[String: Any]] {
            try sink.lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        }

        func metric(_ name: String) -> Double { MetricsTestSupport.value(registry, name) }
    }

    static func lag(_ partition: Int32, position: Int64, lag: Int64) -> PartitionLag {
        PartitionLag(topic: "food-orders", partition: partition, lag: lag, highWatermark: position + lag, position: position)
    }

    @Test func oneWarningWhenAStallBeginsOneNoticeWhenItEnds() throws {
        let fixture = try Fixture(stallAfter: .seconds(10))
        let t0 = ContinuousClock.now
        let moving = Self.lag(1, position: 40, lag: 0)
        fixture.monitor.checkStalls([Self.lag(0, position: 100, lag: 5), moving], at: t0)
        fixture.monitor.checkStalls([Self.lag(0, position: 100, lag: 9), moving], at: t0 + .seconds(5))
        #expect(fixture.sink.lines.isEmpty)
        #expect(fixture.metric("kafkatrace_consumer_stalled_partitions") == 0)

        fixture.monitor.checkStalls([Self.lag(0, position: 100, lag: 12), moving], at: t0 + .seconds(10))
        var lines = try fixture.lines()
        try #require(lines.count == 1)
        let warning = lines[0]
        #expect(warning["level"] as? String == "warning")
        #expect(warning["message"] as? String == "consumer stalled: partitions with lag have not advanced")
        let partitions = try #require(warning["partitions"] as? [[String: Any]])
        #expect(partitions.count == 1)
        #expect(partitions.first?["topic"] as? String == "food-orders")
        #expect(partitions.first?["partition"] as? Int == 0)
        #expect(partitions.first?["lag"] as? Int == 12)
        #expect(partitions.first?["position"] as? Int == 100)
        #expect(partitions.first?["no_progress_seconds"] as? Int == 10)
        #expect(warning["stalled_partitions"] as? Int == 1)
        #expect(warning["circuit"] as? String == "closed")
        #expect(warning["paused_for_breaker"] as? Bool == false)
        #expect(warning["batch_in_hand"] as? Bool == false)
        #expect(warning["assigned_partitions"] as? Int == 0)
        #expect(warning["stall_after_ms"] as? Int == 10_000)
        #expect(fixture.metric("kafkatrace_consumer_stalled_partitions") == 1)
        #expect(fixture.metric("kafkatrace_consumer_stalls_total") == 1)

        // A long stall stays one line.
        for step in 3...40 {
            fixture.monitor.checkStalls([Self.lag(0, position: 100, lag: Int64(step * 10)), moving], at: t0 + .seconds(step * 5))
        }
        #expect(fixture.sink.lines.count == 1)
        #expect(fixture.metric("kafkatrace_consumer_stalled_partitions") == 1)
        #expect(fixture.metric("kafkatrace_consumer_stalls_total") == 1)

        fixture.monitor.checkStalls([Self.lag(0, position: 150, lag: 300), moving], at: t0 + .seconds(205))
        lines = try fixture.lines()
        try #require(lines.count == 2)
        #expect(lines[1]["level"] as? String == "notice")
        #expect(lines[1]["message"] as? String == "consumer stall ended: no partition is stalled")
        #expect(lines[1]["stalled_seconds"] as? Int == 205)
        let recovered = try #require(lines[1]["partitions"] as? [[String: Any]])
        #expect(recovered.first?["reason"] as? String == "progressed")
        #expect(fixture.metric("kafkatrace_consumer_stalled_partitions") == 0)
        #expect(fixture.metric("kafkatrace_consumer_stalls_total") == 1)
    }

    @Test func partitionsPausedByTheOpenCircuitAreNotAStall() throws {
        let fixture = try Fixture(stallAfter: .seconds(10))
        let t0 = ContinuousClock.now
        fixture.pipeline.breakerChanged(
            CircuitBreaker.Transition(from: .closed, to: .open(until: t0 + .seconds(60))), error: nil)
        let lines = fixture.sink.lines.count  // the breaker's own error line
        for step in 0...24 {
            fixture.monitor.checkStalls([Self.lag(0, position: 100, lag: Int64(step * 10))], at: t0 + .seconds(step * 5))
        }
        #expect(fixture.sink.lines.count == lines)
        #expect(fixture.metric("kafkatrace_consumer_stalled_partitions") == 0)
        #expect(fixture.metric("kafkatrace_consumer_stalls_total") == 0)
    }
}
