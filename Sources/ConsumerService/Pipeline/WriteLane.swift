import Synchronization

/// The queue in front of one write connection: the poll loop appends each poll's share of
/// the partitions this lane writes (`append`), the lane's task takes everything queued as one
/// batch when its previous write is done (`next`). So a lane writes one batch at a time, in
/// poll order (each partition's orders in order), batches grow with the backlog (what queued up
/// during a write is the next write), and a slow write holds back only its own lane's partitions.
/// `waitForRoom` keeps the queue to about one batch: the poll loop waits there instead of
/// running ahead, so the consumer's bounded buffer (and librdkafka behind it) takes the backlog.
final class WriteLane: Sendable {
    private struct State {
        var pending = PolledMessages()
        var taker: CheckedContinuation<PolledMessages?, Never>?
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Queues `part` (merged with what is queued already).
    func append(_ part: PolledMessages) {
        guard !part.isEmpty else { return }
        let handover: (CheckedContinuation<PolledMessages?, Never>, PolledMessages)? = state.withLock { s in
            guard !s.isClosed else { return nil }
            s.pending.append(part)
            guard let taker = s.taker else { return nil }
            s.taker = nil
            defer { s.pending = PolledMessages() }
            return (taker, s.pending)
        }
        if let (taker, batch) = handover { taker.resume(returning: batch) }
    }

    /// Everything queued, waiting until something is; nil once closed.
    func next() async -> PolledMessages? {
        await withCheckedContinuation { continuation in
            let taken: (PolledMessages?, [CheckedContinuation<Void, Never>])? = state.withLock { s in
                if s.isClosed { return (nil, []) }
                guard !s.pending.isEmpty else {
                    s.taker = continuation
                    return nil
                }
                defer {
                    s.pending = PolledMessages()
                    s.roomWaiters = []
                }
                return (s.pending, s.roomWaiters)
            }
            guard let (batch, waiters) = taken else { return }
            for waiter in waiters { waiter.resume() }
            continuation.resume(returning: batch)
        }
    }

    /// Returns once fewer than `limit` messages are queued (or the lane is closed).
    func waitForRoom(limit: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let hasRoom = state.withLock { s -> Bool in
                if s.isClosed || s.pending.messageCount < limit { return true }
                s.roomWaiters.append(continuation)
                return false
            }
            if hasRoom { continuation.resume() }
        }
    }

    /// Takes nothing more; what is queued is dropped (never written, so never committed: it is
    /// read again after a restart or by the next owner). A waiting `next` returns nil.
    func close() {
        let (taker, waiters) = state.withLock { s in
            s.isClosed = true
            s.pending = PolledMessages()
            defer {
                s.taker = nil
                s.roomWaiters = []
            }
            return (s.taker, s.roomWaiters)
        }
        taker?.resume(returning: nil)
        for waiter in waiters { waiter.resume() }
    }
}
