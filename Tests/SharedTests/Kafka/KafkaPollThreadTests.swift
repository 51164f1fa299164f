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

    /// A serve reported from elsewhere makes the loop's next turn sleep `asideInterval` instead of
    /// iterating, and the loop iterates again after it. The serve is reported from inside an
    /// iteration, so it is in place before the next turn looks: a late thread can only lengthen
    /// the gap measured, never shorten it (a loop that did not step aside starts its next
    /// iteration about 1 ms later).
    @Test func aServeElsewhereMakesTheNextTurnSleepInsteadOfIterating() async throws {
        final class Record: Sendable {
            struct State {
                var thread: KafkaPollThread?
                var servedAt: ContinuousClock.Instant?
                var nextStart: ContinuousClock.Instant?
            }
            let state = Mutex(State())
        }
        let record = Record()
        let thread = KafkaPollThread(name: "poll-aside", asideInterval: .milliseconds(100)) {
            let now = ContinuousClock.now
            let serveElsewhere: KafkaPollThread? = record.state.withLock { s in
                if s.servedAt != nil {
                    if s.nextStart == nil { s.nextStart = now }
                    return nil
                }
                guard let thread = s.thread else { return nil }
                s.servedAt = now
                return thread
            }
            serveElsewhere?.servedElsewhere()
            OSThread.sleep(for: .milliseconds(1))
        }
        defer {
            thread.stop()
            record.state.withLock { $0.thread = nil }  // no cycle between the thread and its closure
        }
        record.state.withLock { $0.thread = thread }

        let deadline = ContinuousClock.now + .seconds(10)
        while record.state.withLock({ $0.nextStart }) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let (servedAt, nextStart) = record.state.withLock { ($0.servedAt, $0.nextStart) }
        let served = try #require(servedAt)
        let next = try #require(nextStart, "the loop did not iterate again after stepping aside")
        #expect(next - served >= thread.asideInterval, "the next iteration began \(next - served) after the serve")
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
