import Dispatch
import SharedCore
import SharedKafka
import Synchronization

/// Commits Kafka offsets off the pipeline's path: the pipeline hands over each finished batch's
/// positions (`submit`) and goes on with the next batch while one commit at a time runs.
/// Positions handed over while a commit runs are coalesced (per partition the highest offset
/// wins; they only ever grow), so a slow group coordinator costs fewer, larger commits, never a
/// growing backlog.
///
/// Commits start at most once per `minimumInterval` (100 ms): after a commit the committer
/// pauses for the rest of the interval, and what is handed over meanwhile goes into the next
/// commit. A commit is a round trip through librdkafka's threads and the group coordinator; at
/// 2000 orders/s a commit per batch kept the consumer at 26–30% of a core, 20–21% with the
/// interval (docs/benchmarks.md). The price is bounded: a crash re-reads at most one interval
/// more of orders (duplicates, skipped by the store), and the pause is skipped when a revoke
/// waits, after `hurry` (shutdown) and after `close`.
///
/// Process-then-commit holds because of what the pipeline submits: only positions of batches
/// whose orders are committed in PostgreSQL and whose dead letters are acknowledged. A failed
/// commit is retried (with `backoff`) while librdkafka calls the error retriable and the
/// partition is still ours; otherwise its position is dropped and the next owner reads from the
/// last commit (redelivered orders are duplicates, skipped by the store, never a loss).
///
/// A revoke (poll thread, `waitUntilIdle`) and shutdown (`isIdle`) wait until every submitted
/// position is committed or given up.
final class OffsetCommitter: Sendable {
    /// A position to commit: the next offset to read, and that last message's timestamp.
    struct Position: Sendable, Equatable {
        var offset: Int64
        var timestampMs: Int64?
    }

    private struct State {
        var pending: [TopicPartition: Position] = [:]
        var isRunning = false
        var isClosed = false
        /// No pauses between commits any more (shutdown).
        var isHurried = false
        var idleSemaphores: [DispatchSemaphore] = []
    }

    /// Commits offsets with the broker (the consumer's `commit`).
    typealias Commit = @Sendable ([TopicPartitionOffset]) async throws(KafkaError) -> Void

    private let state = Mutex(State())
    private let commit: Commit
    private let isOwned: @Sendable (TopicPartition) -> Bool
    private let onCommitted: @Sendable ([TopicPartition: Position]) -> Void
    private let onFailure: @Sendable (KafkaError, [TopicPartitionOffset], _ willRetry: Bool) -> Void
    private let backoff: Backoff
    /// The least time from one commit's start to the next one's.
    let minimumInterval: Duration

    /// The default `minimumInterval`.
    static let defaultMinimumInterval = Duration.milliseconds(100)

    /// - Parameters:
    ///   - commit: commits the offsets and waits for the coordinator.
    ///   - isOwned: whether a partition is still assigned (positions of others are dropped).
    ///   - onCommitted: after each successful commit, with what it committed.
    ///   - onFailure: after each failed commit (count it, log it).
    ///   - minimumInterval: the least time from one commit's start to the next one's.
    init(
        backoff: Backoff, minimumInterval: Duration = OffsetCommitter.defaultMinimumInterval,
        commit: @escaping Commit, isOwned: @escaping @Sendable (TopicPartition) -> Bool,
        onCommitted: @escaping @Sendable ([TopicPartition: Position]) -> Void,
        onFailure: @escaping @Sendable (KafkaError, [TopicPartitionOffset], _ willRetry: Bool) -> Void
    ) {
        self.backoff = backoff
        self.minimumInterval = minimumInterval
        self.commit = commit
        self.isOwned = isOwned
        self.onCommitted = onCommitted
        self.onFailure = onFailure
    }

    /// Hands over positions to commit; returns at once.
    func submit(_ positions: [TopicPartition: Position]) {
        guard !positions.isEmpty else { return }
        let start = state.withLock { s -> Bool in
            guard !s.isClosed else { return false }
            Self.merge(positions, into: &s.pending)
            guard !s.isRunning else { return false }
            s.isRunning = true
            return true
        }
        if start { Task { await drain() } }
    }

    /// Forgets positions of `partitions` not committed yet (they were revoked or lost).
    func drop(_ partitions: some Sequence<TopicPartition>) {
        state.withLock { s in
            for partition in partitions { s.pending[partition] = nil }
        }
    }

    /// True when nothing is pending and no commit, or pause after one, runs.
    var isIdle: Bool { state.withLock { !$0.isRunning } }

    /// True while a `waitUntilIdle` caller waits.
    var hasIdleWaiters: Bool { state.withLock { !$0.idleSemaphores.isEmpty } }

    /// Waits until idle. Blocking, for the revoke hook on the poll thread; false on timeout.
    func waitUntilIdle(timeout: Duration) -> Bool {
        let semaphore: DispatchSemaphore? = state.withLock { s in
            guard s.isRunning else { return nil }
            let semaphore = DispatchSemaphore(value: 0)
            s.idleSemaphores.append(semaphore)
            return semaphore
        }
        guard let semaphore else { return true }
        let milliseconds = Int(max(.zero, timeout).wholeMilliseconds)
        return semaphore.wait(timeout: .now() + .milliseconds(milliseconds)) == .success
    }

    /// Commits what is handed over from now on without pausing between commits (shutdown: the
    /// last positions go out at once). A pause already begun runs out (at most `minimumInterval`).
    func hurry() {
        state.withLock { $0.isHurried = true }
    }

    /// Takes no more positions (after the consumer has closed, commits can only fail).
    func close() {
        state.withLock { s in
            s.isClosed = true
            s.pending = [:]
        }
    }

    private func drain() async {
        var attempt = 0
        while let positions = next() {
            let owned = positions.filter { isOwned($0.key) }
            guard !owned.isEmpty else { continue }
            let list = owned.map { TopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value.offset) }
            do throws(KafkaError) {
                let started = ContinuousClock.now
                try await commit(list)
                onCommitted(owned)
                attempt = 0
                await pause(until: started + minimumInterval)
            } catch {
                let willRetry = error.isRetriable && !state.withLock { $0.isClosed }
                onFailure(error, list, willRetry)
                guard willRetry else { continue }
                // Back in, unless newer positions arrived meanwhile; retried after the delay.
                state.withLock { s in Self.merge(owned, into: &s.pending) }
                try? await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
    }

    /// Waits until `deadline` so that positions handed over meanwhile share the next commit;
    /// returns at once when a revoke waits for idle, after `hurry` and after `close`.
    private func pause(until deadline: ContinuousClock.Instant) async {
        let skip = state.withLock { s in s.isHurried || s.isClosed || !s.idleSemaphores.isEmpty }
        guard !skip, deadline > .now else { return }
        try? await Task.sleep(until: deadline, clock: .continuous)
    }

    /// The pending positions (now in flight), or nil after marking idle and waking the waiters.
    private func next() -> [TopicPartition: Position]? {
        let (positions, semaphores) = state.withLock { s -> ([TopicPartition: Position]?, [DispatchSemaphore]) in
            if !s.pending.isEmpty {
                defer { s.pending = [:] }
                return (s.pending, [])
            }
            s.isRunning = false
            defer { s.idleSemaphores = [] }
            return (nil, s.idleSemaphores)
        }
        for semaphore in semaphores { semaphore.signal() }
        return positions
    }

    private static func merge(_ positions: [TopicPartition: Position], into pending: inout [TopicPartition: Position]) {
        for (partition, position) in positions where (pending[partition]?.offset ?? .min) < position.offset {
            pending[partition] = position
        }
    }
}
