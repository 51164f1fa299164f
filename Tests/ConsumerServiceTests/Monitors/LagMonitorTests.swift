@testable import ConsumerService
import Foundation
import Logging
@testable import SharedKafka
@testable import SharedOrders
@testable import SharedPostgres
@testable import TestSupport
import Testing

@Suite struct LagMonitorTests {
    /// Lag samples after one `update()`: messages and seconds per partition (0 and 1), and the
    /// orders stored so far.
    private struct Sample {
        var messages: [Double]
        var seconds: [Double]
        var rows: Int
    }

    private static func sample(
        _ monitor: LagMonitor, _ harness: ConsumerTestSupport.Harness, _ checker: PostgresClient, topic: String
    ) async -> Sample {
        await monitor.update()
        func values(_ family: String) -> [Double] {
            (0..<2).map { MetricsTestSupport.value(harness.registry, family, ["topic": topic, "partition": "\($0)"]) }
        }
        let rows = (try? await ConsumerTestSupport.rowCount(checker)) ?? -1
        return Sample(
            messages: values("kafkatrace_consumer_lag_messages"), seconds: values("kafkatrace_consumer_lag_seconds"),
            rows: rows)
    }

    /// Samples every 100 ms until `done` holds or `timeout` passes; returns the last sample.
    private static func sample(
        _ monitor: LagMonitor, _ harness: ConsumerTestSupport.Harness, _ checker: PostgresClient, topic: String,
        timeout: Duration = .seconds(30), until done: (Sample) -> Bool
    ) async -> Sample {
        let deadline = ContinuousClock.now + timeout
        var last = await sample(monitor, harness, checker, topic: topic)
        while !done(last), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
            last = await sample(monitor, harness, checker, topic: topic)
        }
        return last
    }

    @Test func lagIsWhatTheGroupHasNotFetchedAndDropsToZeroOnceCaughtUp() async throws {
        try await withTestPostgres { pg in
            let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("lag", partitions: 2)
            let checker = try await ConsumerTestSupport.migratedClient(pg, label: "checker")
            let harness = try await ConsumerTestSupport.startPipeline(cluster: cluster, pg: pg, topic: topic, group: "g-\(topic)")
            let monitor = LagMonitor(
                pipeline: harness.pipeline, metrics: harness.metrics, stallAfter: .seconds(60), logger: ConsumerTestSupport.logger)
            try await ConsumerTestSupport.produce(cluster, topic: topic, orders: try ConsumerTestSupport.orders(20, instance: "LAGA"))
            let drained = await Self.sample(monitor, harness, checker, topic: topic) { $0.rows == 20 }
            #expect(drained.rows == 20)

            // Every fetch now fails, so what is produced next stays behind the group's position.
            cluster.pushRequestErrors(apiKey: 1, errors: Array(repeating: .notLeaderForPartition, count: 500))
            try await ConsumerTestSupport.produce(cluster, topic: topic, orders: try ConsumerTestSupport.orders(15, instance: "LAGB"))
            // Messages fetched just before the errors began get stored; the rest is lag.
            let behind = await Self.sample(monitor, harness, checker, topic: topic) {
                $0.messages.reduce(0, +) + Double($0.rows) == 35
            }
            #expect(behind.messages.reduce(0, +) + Double(behind.rows) == 35)
            #expect(behind.messages.reduce(0, +) > 0)
            for (messages, seconds) in zip(behind.messages, behind.seconds) {
                // A partition with lag reports how long ago its last committed message was made.
                #expect(messages == 0 ? seconds == 0 : seconds > 0)
            }

            cluster.clearRequestErrors(apiKey: 1)
            let caughtUp = await Self.sample(monitor, harness, checker, topic: topic) {
                $0.rows == 35 && $0.messages == [0, 0] && $0.seconds == [0, 0]
            }
            #expect(caughtUp.rows == 35)
            #expect(caughtUp.messages == [0, 0] && caughtUp.seconds == [0, 0])
            try await harness.stop()
            await checker.close()
        }
    }
}
