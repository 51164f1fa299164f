import Dispatch
import SharedCore
import Synchronization

/// A dedicated OS thread that runs `iteration` in a loop until `stop()`.
///
/// librdkafka's blocking calls (`rd_kafka_poll`, `rd_kafka_consumer_poll`) run here and never
/// on the Swift cooperative pool. `iteration` must block briefly (e.g. poll with a 10–100 ms
/// timeout) so `stop()` is observed quickly.
///
/// Another thread may serve the same queue itself (a producer's sender calling
/// `rd_kafka_poll(rk, 0)` between sends, as librdkafka's examples do). It says so with
/// `servedElsewhere()`, and the loop then sleeps `asideInterval` instead of iterating, for as long
/// as such calls keep coming: two threads woken for the same reports only contend for the
/// queue's lock, the CPU and the allocator, and the sender frees on its own thread what it
/// allocated.
final class KafkaPollThread: Sendable {
    private struct State {
        var isRunning = true
        var threadID: OSThread.ID?
    }

    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)
    private let servesElsewhere = Atomic<UInt64>(0)

    /// How long the loop sleeps after it saw `servedElsewhere()` called since its last turn.
    let asideInterval: Duration

    /// - Parameter asideInterval: 5 ms by default: a report waits at most that long for the poll
    ///   thread after the other thread's calls stop, and the sleeping loop wakes 200 times a second.
    init(name: String, asideInterval: Duration = .milliseconds(5), iteration: @escaping @Sendable () -> Void) {
        self.asideInterval = asideInterval
        // The thread keeps `self` alive until the loop ends.
        OSThread.detach(name: name) { [self] in
            state.withLock { $0.threadID = OSThread.current }
            var seenServes = servesElsewhere.load(ordering: .relaxed)
            while state.withLock({ $0.isRunning }) {
                let serves = servesElsewhere.load(ordering: .relaxed)
                if serves != seenServes {
                    seenServes = serves
                    OSThread.sleep(for: asideInterval)
                } else {
                    iteration()
                }
            }
            finished.signal()
        }
    }

    /// Another thread just served the queue this loop polls; the loop steps aside for
    /// `asideInterval` (see the type's documentation). Cheap: one relaxed atomic add.
    func servedElsewhere() {
        servesElsewhere.add(1, ordering: .relaxed)
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
