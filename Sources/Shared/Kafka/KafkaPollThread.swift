import Dispatch
import SharedCore
import Synchronization

/// A dedicated OS thread that runs `iteration` in a loop until `stop()`.
///
/// librdkafka's blocking calls (`rd_kafka_poll`, `rd_kafka_consumer_poll`) run here and never
/// on the Swift cooperative pool. `iteration` must block briefly (e.g. poll with a 10–100 ms
/// timeout) so `stop()` is observed quickly.
final class KafkaPollThread: Sendable {
    private struct State {
        var isRunning = true
        var threadID: OSThread.ID?
    }

    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, iteration: @escaping @Sendable () -> Void) {
        // The thread keeps `self` alive until the loop ends.
        OSThread.detach(name: name) { [self] in
            state.withLock { $0.threadID = OSThread.current }
            while state.withLock({ $0.isRunning }) {
                iteration()
            }
            finished.signal()
        }
    }

    /// True when called from the poll thread itself.
    var isCurrentThread: Bool {
        state.withLock { s in s.threadID == OSThread.current }
    }

    /// Asks the loop to end and waits for the current iteration to finish. Idempotent.
    /// Blocks: call it off the cooperative pool. Called from the poll thread itself it only asks
    /// (waiting would deadlock).
    func stop() {
        guard requestStop(), !isCurrentThread else { return }
        finished.wait()
    }

    /// Asks the loop to end without waiting; true if it was running.
    @discardableResult
    func requestStop() -> Bool {
        state.withLock { s in
            defer { s.isRunning = false }
            return s.isRunning
        }
    }
}
