import SharedCore
import Synchronization
@testable import SharedKafka
import Testing

@Suite struct KafkaPollThreadTests {
    private final class Count: Sendable {
        let value = Atomic<Int>(0)
        var current: Int { value.load(ordering: .relaxed) }
    }

    /// Waits up to 10 s for `count` to reach `target`; true when it did.
    private func wait(for count: Count, toReach target: Int) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while count.current < target, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(1)) }
        return count.current >= target
    }

    /// While another thread keeps serving the queue (`servedElsewhere`), the loop sleeps instead
    /// of iterating; once those calls stop, it iterates again. An iteration here takes 1 ms, so a
    /// loop that did not step aside would iterate ~400 times in the 400 ms of calls. The interval
    /// is 50 ms here (5 ms in the daemons) so that a caller descheduled on a busy machine still
    /// calls within every interval.
    @Test func stepsAsideWhileAnotherThreadServesAndComesBackAfter() async throws {
        let iterations = Count()
        let thread = KafkaPollThread(name: "poll-aside", asideInterval: .milliseconds(50)) {
            iterations.value.add(1, ordering: .relaxed)
            OSThread.sleep(for: .milliseconds(1))
        }
        defer { thread.stop() }
        #expect(await wait(for: iterations, toReach: 3))

        // The loop may be inside one iteration when the calls begin: count from 2 intervals in.
        let start = ContinuousClock.now
        var atSettled: Int?
        var calls = 0
        while ContinuousClock.now < start + .milliseconds(400) {
            thread.servedElsewhere()
            calls += 1
            if atSettled == nil, ContinuousClock.now >= start + thread.asideInterval * 2 {
                atSettled = iterations.current
            }
        }
        let whileServed = iterations.current - (atSettled ?? 0)
        #expect(calls > 1000)
        #expect(whileServed <= 3, "the loop iterated \(whileServed) times while another thread served")

        let afterCalls = iterations.current
        #expect(await wait(for: iterations, toReach: afterCalls + 20), "the loop did not come back")
    }

    /// `stop()` returns while the loop is stepping aside, and no iteration runs after it.
    @Test func stopEndsTheLoopWhileItStepsAside() async throws {
        let iterations = Count()
        let thread = KafkaPollThread(name: "poll-aside-stop", asideInterval: .milliseconds(50)) {
            iterations.value.add(1, ordering: .relaxed)
            OSThread.sleep(for: .milliseconds(1))
        }
        #expect(await wait(for: iterations, toReach: 1))
        thread.servedElsewhere()
        try await Task.sleep(for: .milliseconds(10))
        thread.stop()
        let atStop = iterations.current
        try await Task.sleep(for: thread.asideInterval * 2)
        #expect(iterations.current == atStop)
    }
}
