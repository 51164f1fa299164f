import Dispatch
import Synchronization

/// Keeps closing a librdkafka handle from racing the calls made into it from other threads.
///
/// Background queries (lag, committed offsets, metadata, topic creation) enter the gate; once
/// ``close(waitingAtMost:)`` has begun, new ones are refused (the caller throws `.closed`), and
/// close waits, bounded, for those in flight, which are bounded themselves. The handle is not
/// destroyed under a call that outlives the wait: every caller holds a strong reference to the
/// client, and `rd_kafka_destroy` runs in its `deinit`.
final class KafkaCallGate: Sendable {
    private struct State {
        var isClosing = false
        var inFlight = 0
        var idleWaiters: [DispatchSemaphore] = []

        mutating func enter() -> Bool {
            guard !isClosing else { return false }
            inFlight += 1
            return true
        }

        /// The waiters to wake when this was the last call in flight.
        mutating func leave() -> [DispatchSemaphore] {
            inFlight -= 1
            guard inFlight == 0 else { return [] }
            defer { idleWaiters = [] }
            return idleWaiters
        }

        /// A semaphore to wait on, or nil when nothing is in flight.
        mutating func beginClose() -> DispatchSemaphore? {
            isClosing = true
            guard inFlight > 0 else { return nil }
            let waiter = DispatchSemaphore(value: 0)
            idleWaiters.append(waiter)
            return waiter
        }
    }

    private let state = Mutex(State())

    /// Calls in flight now.
    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Runs `body` as a call in flight; throws `.closed` once closing has begun.
    func run<T>(_ context: String, _ body: () throws(KafkaError) -> T) throws(KafkaError) -> T {
        guard state.withLock({ $0.enter() }) else { throw .closed(context: context) }
        defer {
            for waiter in state.withLock({ $0.leave() }) { waiter.signal() }
        }
        return try body()
    }

    /// Refuses new calls, then blocks until the calls in flight have returned or `timeout` has
    /// passed. Returns how many are still in flight. Call only from a dedicated thread.
    @discardableResult
    func close(waitingAtMost timeout: Duration) -> Int {
        guard let waiter = state.withLock({ $0.beginClose() }) else { return 0 }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        _ = waiter.wait(timeout: .now() + .nanoseconds(Int(max(0, nanoseconds))))
        return inFlight
    }
}
