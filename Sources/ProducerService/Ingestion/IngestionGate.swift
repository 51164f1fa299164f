import Synchronization

/// Lets ingestion requests in while open and counts those between `enter` and `leave`, so the
/// shutdown drain can close the gate (new requests get 503) and wait until every admitted
/// request has handed its orders to librdkafka before flushing.
final class IngestionGate: Sendable {
    private struct State {
        var isOpen = true
        var inside = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Admits one request; false once the gate is closed.
    func enter() -> Bool {
        state.withLock { s in
            guard s.isOpen else { return false }
            s.inside += 1
            return true
        }
    }

    /// Marks an admitted request as done with enqueueing.
    func leave() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
            s.inside -= 1
            guard s.inside == 0 else { return [] }
            defer { s.idleWaiters.removeAll() }
            return s.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Refuses every later `enter`.
    func close() { state.withLock { $0.isOpen = false } }

    var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Requests admitted and not yet left.
    var inside: Int { state.withLock { $0.inside } }

    /// Returns once no admitted request is inside, or after `timeout`; returns how many are
    /// still inside.
    func waitUntilIdle(timeout: Duration) async -> Int {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let isIdle = self.state.withLock { s in
                        if s.inside == 0 { return true }
                        s.idleWaiters.append(continuation)
                        return false
                    }
                    if isIdle { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            // The waiter cannot be cancelled: release it by hand if the timeout won.
            let stranded = self.state.withLock { s in
                defer { s.idleWaiters.removeAll() }
                return s.idleWaiters
            }
            for waiter in stranded { waiter.resume() }
            group.cancelAll()
        }
        return inside
    }
}
