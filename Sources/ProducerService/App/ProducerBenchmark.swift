import SharedCore
import Foundation
import Logging
import Synchronization

/// Benchmark mode (`--bench-orders N`): times the generator's N orders from the first enqueue
/// to the last delivery report and prints one JSON line on standard output:
/// `{"benchmark":"kafkatrace-producer","orders":N,"delivered":N,"failed":0,"bytes":B,"seconds":S,"orders_per_second":X,"mb_per_second":Y}`
/// (MB = 10^6 bytes of message values).
final class ProducerBenchmark: Sendable {
    let orders: Int
    private let publisher: OrderPublisher
    private let logger: Logger
    private let isGeneratorDone = Atomic<Bool>(false)

    init(orders: Int, publisher: OrderPublisher, logger: Logger) {
        self.orders = orders
        self.publisher = publisher
        self.logger = logger
    }

    /// Called by the generator once it handed its last order to librdkafka.
    func generatorFinished() { isGeneratorDone.store(true, ordering: .releasing) }

    /// Waits for the first enqueue, then for the generator to finish and every report to arrive;
    /// prints the result. Returns false when cancelled first.
    func waitForCompletion() async -> Bool {
        let clock = ContinuousClock()
        while publisher.enqueuedTotals.messages == 0 {
            if Task.isCancelled { return false }
            try? await Task.sleep(for: .microseconds(500))
        }
        let start = clock.now
        while !(isGeneratorDone.load(ordering: .acquiring) && publisher.tracker.inFlight == 0) {
            if Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        let elapsed = clock.now - start
        let seconds = elapsed.inSeconds
        let (messages, bytes) = publisher.enqueuedTotals
        let (delivered, failed) = publisher.tracker.reportedTotals
        let line = String(
            format: #"{"benchmark":"kafkatrace-producer","orders":%d,"delivered":%d,"failed":%d,"bytes":%d,"seconds":%.3f,"orders_per_second":%.0f,"mb_per_second":%.2f}"#,
            messages, delivered, failed, bytes, seconds, Double(messages) / seconds, Double(bytes) / seconds / 1e6)
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        logger.notice("benchmark finished", metadata: ["result": "\(line)"])
        return true
    }
}
