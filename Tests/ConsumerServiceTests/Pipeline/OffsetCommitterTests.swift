@testable import ConsumerService
import Dispatch
@testable import SharedKafka
import Synchronization
import Testing

/// The committer against a scripted commit function (the broker side is covered by the
/// pipeline and KafkaConsumer suites).
@Suite struct OffsetCommitterTests {
    final class Broker: Sendable {
        struct State {
            var calls: [[TopicPartitionOffset]] = []
            var failures: [KafkaError] = []
            /// While true, commits wait (as a slow coordinator would).
            var isHeld = false
        }
        let state = Mutex(State())
        var calls: [[TopicPartitionOffset]] { state.withLock { $0.calls } }

        func commit(_ offsets: [TopicPartitionOffset]) async throws(KafkaError) {
            let failure = state.withLock { s in
                s.calls.append(offsets.sorted { $0.partition < $1.partition })
                return s.failures.isEmpty ? nil : s.failures.removeFirst()
            }
            while state.withLock({ $0.isHeld }) { try? await Task.sleep(for: .milliseconds(5)) }
            if let failure { throw failure }
        }
    }

    /// `waitUntilIdle(timeout:)` blocks (it is for the poll thread): call it off the cooperative pool.
    private func waitUntilIdle(_ committer: OffsetCommitter) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: committer.waitUntilIdle(timeout: .seconds(60))) }
        }
    }

    private func tp(_ partition: Int32) -> TopicPartition { TopicPartition(topic: "t", partition: partition) }
    private func at(_ offset: Int64) -> OffsetCommitter.Position { .init(offset: offset, timestampMs: offset) }

    final class Committed: Sendable {
        let offsets = Mutex<[TopicPartition: Int64]>([:])
    }

    private func makeCommitter(
        _ broker: Broker, owned: Set<Int32> = [0, 1], committed: Committed? = nil,
        minimumInterval: Duration = OffsetCommitter.defaultMinimumInterval
    ) -> OffsetCommitter {
        OffsetCommitter(
            backoff: Backoff(initial: .milliseconds(1), maximum: .milliseconds(5)), minimumInterval: minimumInterval,
            commit: { offsets throws(KafkaError) in try await broker.commit(offsets) },
            isOwned: { owned.contains($0.partition) },
            onCommitted: { positions in committed?.offsets.withLock { c in for (p, v) in positions { c[p] = v.offset } } },
            onFailure: { _, _, _ in })
    }

    @Test func positionsHandedOverDuringACommitAreCoalesced() async throws {
        let broker = Broker()
        broker.state.withLock { $0.isHeld = true }
        let committed = Committed()
        let committer = makeCommitter(broker, committed: committed)
        committer.submit([tp(0): at(10)])
        #expect(await ConsumerTestSupport.eventually { broker.calls.count == 1 })
        committer.submit([tp(0): at(20), tp(1): at(5)])
        committer.submit([tp(0): at(30)])
        committer.submit([tp(0): at(25)])  // lower than what is pending: ignored
        #expect(!committer.isIdle)
        broker.state.withLock { $0.isHeld = false }
        #expect(await waitUntilIdle(committer))
        let expected: [[TopicPartitionOffset]] = [
            [TopicPartitionOffset(topic: "t", partition: 0, offset: 10)],
            [TopicPartitionOffset(topic: "t", partition: 0, offset: 30), TopicPartitionOffset(topic: "t", partition: 1, offset: 5)],
        ]
        #expect(broker.calls == expected)
        #expect(committed.offsets.withLock { $0 } == [tp(0): 30, tp(1): 5])
    }

    @Test func retriableFailuresAreRetriedOthersAndForeignPartitionsDropped() async throws {
        let broker = Broker()
        broker.state.withLock {
            $0.failures = [
                .rdkafka(code: .unknown(-185), message: "timed out", context: "commit", isRetriable: true, isFatal: false),
                .rdkafka(code: .unknown(22), message: "illegal generation", context: "commit", isRetriable: false, isFatal: false),
            ]
        }
        let committer = makeCommitter(broker, owned: [0])
        committer.submit([tp(0): at(7), tp(3): at(9)])  // partition 3 is not ours
        #expect(await waitUntilIdle(committer))
        let seven = [TopicPartitionOffset(topic: "t", partition: 0, offset: 7)]
        #expect(broker.calls == [seven, seven])  // retried once, then dropped (not retriable)
        committer.submit([tp(0): at(8)])
        #expect(await waitUntilIdle(committer))
        #expect(broker.calls.last == [TopicPartitionOffset(topic: "t", partition: 0, offset: 8)])
    }

    @Test func droppedAndClosedPositionsAreNeverCommitted() async throws {
        let broker = Broker()
        broker.state.withLock { $0.isHeld = true }
        let committer = makeCommitter(broker)
        committer.submit([tp(0): at(1)])
        #expect(await ConsumerTestSupport.eventually { broker.calls.count == 1 })
        committer.submit([tp(0): at(2), tp(1): at(3)])
        committer.drop([tp(0)])
        broker.state.withLock { $0.isHeld = false }
        #expect(await waitUntilIdle(committer))
        #expect(broker.calls.count == 2)
        #expect(broker.calls.last == [TopicPartitionOffset(topic: "t", partition: 1, offset: 3)])
        committer.close()
        committer.submit([tp(1): at(4)])
        #expect(committer.isIdle)
        #expect(broker.calls.count == 2)
    }

    /// A batch's positions every 5 ms: commits start at most once per interval (100 ms), each
    /// carries the newest positions, and the last position handed over is the last committed.
    @Test func commitsStartAtMostOncePerMinimumInterval() async throws {
        let broker = Broker()
        let committed = Committed()
        let committer = makeCommitter(broker, committed: committed)
        #expect(committer.minimumInterval == .milliseconds(100))
        let clock = ContinuousClock()
        let started = clock.now
        for offset in Int64(1)...60 {
            committer.submit([tp(0): at(offset)])
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await waitUntilIdle(committer))
        let elapsed = clock.now - started
        let offsets = broker.calls.map { $0[0].offset }
        #expect(offsets.count >= 2 && offsets.count <= Int(elapsed / .milliseconds(100)) + 2, "\(offsets.count) commits in \(elapsed)")
        #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count)
        #expect(offsets.last == 60)
        #expect(committed.offsets.withLock { $0 } == [tp(0): 60])
    }

    /// A revoke waiting for idle, or `hurry` (shutdown), skips the pause: with a 2-minute
    /// interval the committer is idle right after its commit (the bound is loose for a loaded
    /// machine running the whole suite; without the skip this takes the 2 minutes).
    @Test func aWaitingRevokeOrHurrySkipsThePause() async throws {
        for viaHurry in [false, true] {
            let broker = Broker()
            broker.state.withLock { $0.isHeld = true }
            let committer = makeCommitter(broker, minimumInterval: .seconds(120))
            committer.submit([tp(0): at(1)])
            #expect(await ConsumerTestSupport.eventually { broker.calls.count == 1 })
            let clock = ContinuousClock()
            let started = clock.now
            if viaHurry {
                committer.hurry()
                broker.state.withLock { $0.isHeld = false }
                #expect(await ConsumerTestSupport.eventually(timeout: .seconds(60)) { committer.isIdle })
            } else {
                async let idle = waitUntilIdle(committer)
                #expect(await ConsumerTestSupport.eventually { committer.hasIdleWaiters })
                broker.state.withLock { $0.isHeld = false }
                #expect(await idle)
            }
            #expect(clock.now - started < .seconds(60), "idle only after \(clock.now - started) (hurry: \(viaHurry))")
        }
    }
}
