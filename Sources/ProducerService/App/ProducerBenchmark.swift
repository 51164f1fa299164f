#if canImport(Glibc)
import Glibc
#endif
import SharedCore
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
    /// Released once the generator handed its last order to librdkafka (or the wait is
    /// cancelled); the waiter sleeps on it instead of polling during the run: a 1 ms poll is
    /// 1000 wake-ups a second that the generator competes with on a small machine.
    private let generatorDone = Mutex<(isReleased: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    init(orders: Int, publisher: OrderPublisher, logger: Logger) {
        self.orders = orders
        self.publisher = publisher
        self.logger = logger
    }

    /// Called by the generator once it handed its last order to librdkafka.
    func generatorFinished() { releaseGeneratorWaiter() }

    private func releaseGeneratorWaiter() {
        let waiter = generatorDone.withLock { state in
            state.isReleased = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns once the generator finished or the task is cancelled (at once if either happened).
    private func waitForGenerator() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let isReleased = generatorDone.withLock { state in
                    if !state.isReleased { state.waiter = continuation }
                    return state.isReleased
                }
                if isReleased { continuation.resume() }
            }
        } onCancel: {
            releaseGeneratorWaiter()
        }
    }

    /// Waits for the first enqueue, then for the generator to finish and every report to arrive;
    /// prints the result. Returns false when cancelled first.
    func waitForCompletion() async -> Bool {
        let clock = ContinuousClock()
        while publisher.enqueuedTotals.messages == 0 {
            if Task.isCancelled { return false }
            try? await Task.sleep(for: .microseconds(500))
        }
        let start = clock.now
        await waitForGenerator()
        while publisher.tracker.inFlight > 0 {
            if Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        if Task.isCancelled { return false }
        let elapsed = clock.now - start
        let seconds = elapsed.inSeconds
        let (messages, bytes) = publisher.enqueuedTotals
        let (delivered, failed) = publisher.tracker.reportedTotals
        let line = #"{"benchmark":"kafkatrace-producer","orders":\#(messages),"delivered":\#(delivered),"#
            + #""failed":\#(failed),"bytes":\#(bytes),"seconds":\#(seconds.fixed(decimals: 3)),"#
            + #""orders_per_second":\#((Double(messages) / seconds).fixed(decimals: 0)),"#
            + #""mb_per_second":\#((Double(bytes) / seconds / 1e6).fixed(decimals: 2))}"#
        print(line)
        fflush(nil)
        logger.notice("benchmark finished", metadata: ["result": "\(line)"])
        return true
    }
}
