import Foundation
@testable import SharedKafka
@testable import TestSupport
import Synchronization
import Testing

/// librdkafka 2.0.2 stops fetching once its queue is over `queued.max.messages.kbytes` and
/// looks again up to a second later; the poll thread restarts such a stalled fetch itself.
@Suite struct KafkaConsumerFetchKickTests {
    private func produce(_ cluster: RDKafkaMockCluster, topic: String, count: Int, size: Int) async throws {
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster, ["compression.codec": "none"]), onDeliveryReport: { _ in })
        for index in 0..<count {
            var value = Array(String(format: "%08d", index).utf8)
            value += [UInt8](repeating: UInt8(ascii: "x"), count: size - value.count)
            try producer.send(topic: topic, key: nil, value: value, id: UInt64(index))
        }
        #expect(await producer.flush(timeout: .seconds(20)) == 0)
    }

    private func index(_ message: KafkaMessage) -> Int {
        Int(String(decoding: (message.value ?? []).prefix(8), as: UTF8.self)) ?? -1
    }

    @Test func aFetchStalledByAFullQueueIsRestartedWithoutLosingOrRepeatingMessages() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("kick", partitions: 1)
        try await produce(cluster, topic: topic, count: 5_000, size: 1_000)
        var configuration = KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)")
        // Fetches of ~8 messages, a queue of ~16 and a buffer of 20: the queue fills while the
        // buffer waits for room, and many fetches are needed.
        // A queue of ~256 messages and a buffer of 100, drained slower than fetched: the queue
        // fills while the buffer waits for room, many times over. (Without the restart this
        // run took 3 s instead of 0.5 s, stalled each time; the count is what is checked.)
        configuration.prefetchKilobytes = 256
        configuration.bufferCapacity = 100
        configuration.fullBufferWait = .seconds(30)  // no pause from a test task starved by the machine
        let consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe(topics: [topic])
        var seen: [Int] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while seen.count < 5_000, ContinuousClock.now < deadline {
            seen += await consumer.poll(max: 50, timeout: .milliseconds(100)).map(index)
            try await Task.sleep(for: .milliseconds(1))  // slower than the fetch: the queue fills
        }
        #expect(seen == Array(0..<5_000))
        #expect(consumer.fetchKickCount > 0)
        #expect(consumer.internalPauseCount == 0)
        // Everything read: even with the queue marked as having reached its bound, nothing is
        // behind, so the mark goes and the poll thread waits its usual time again instead of
        // waking every millisecond for a restart that never comes.
        consumer.state.withLock { $0.hasHeldBackSinceKick = true }
        #expect(await consumer.poll(max: 10, timeout: .milliseconds(300)).isEmpty)
        #expect(consumer.state.withLock { $0.hasHeldBackSinceKick } == false)
        #expect(consumer.pollTimeoutMs(base: 50) == 50)
        await consumer.close()
    }

    @Test func aRestartFallsDueAfterTheQueueStayedEmptyAndTheLastRestart() {
        let now = ContinuousClock.now
        var s = KafkaConsumer.State()
        s.lastMessageAt = now
        s.lastFetchKickAt = now - .seconds(1)
        #expect(KafkaConsumer.fetchKickDue(in: s) == nil)  // nothing held back: no restart
        s.hasHeldBackSinceKick = true
        #expect(KafkaConsumer.fetchKickDue(in: s) == now + KafkaConsumer.fetchStallKick)
        s.lastFetchKickAt = now
        #expect(KafkaConsumer.fetchKickDue(in: s) == now + KafkaConsumer.fetchKickInterval)
        s.isInternallyPaused = true
        #expect(KafkaConsumer.fetchKickDue(in: s) == nil)
    }

    /// The prefetch bound of the bookkeeping tests below (1 MiB, the consumer's default).
    private static let bound = 1_024 * 1_024

    /// One poll-thread turn for the bookkeeping tests: `count` messages of `bytes`.
    private func turn(_ s: inout KafkaConsumer.State, read count: Int, bytes: Int, queueEmpty: Bool, at now: ContinuousClock.Instant) {
        KafkaConsumer.noteTurn(&s, read: count, bytes: bytes, queueEmpty: queueEmpty, at: now, prefetchBytes: Self.bound)
    }

    /// The state right after a fetch restart at `kick`.
    private func justKicked(at kick: ContinuousClock.Instant) -> KafkaConsumer.State {
        var s = KafkaConsumer.State()
        s.lastFetchKickAt = kick
        s.isAwaitingKickAnswer = true
        return s
    }

    @Test func aFillOfNinetyPercentOfTheBoundBetweenTwoEmptyQueuesArmsTheRestart() {
        let now = ContinuousClock.now
        var s = KafkaConsumer.State()
        turn(&s, read: 1_000, bytes: Self.bound / 2, queueEmpty: false, at: now)
        turn(&s, read: 1_000, bytes: Self.bound / 2 - 1_000, queueEmpty: true, at: now)
        #expect(s.hasHeldBackSinceKick)
        #expect(s.bytesSinceQueueEmpty == 0)
        var low = KafkaConsumer.State()
        turn(&low, read: 1_000, bytes: Self.bound / 10 * 8, queueEmpty: true, at: now)
        #expect(!low.hasHeldBackSinceKick)
        #expect(KafkaConsumer.fetchKickDue(in: low) == nil)
    }

    /// A restart's seeks reach the broker threads one partition at a time, so most of the fill
    /// after it can be purged (older fetch version) before the poll thread reads it, while the
    /// queue still stopped fetching at its bound: seen as a one-second stall in the bench's
    /// catch-up. A restart answered that fast keeps the stall check armed, whatever was read.
    @Test func aRestartAnsweredWithinTheStallTimeKeepsTheNextRestartArmed() {
        let kick = ContinuousClock.now
        var s = justKicked(at: kick)
        turn(&s, read: 0, bytes: 0, queueEmpty: true, at: kick + .milliseconds(1))
        #expect(s.isAwaitingKickAnswer)  // nothing read yet: still waiting for the answer
        #expect(!s.hasHeldBackSinceKick)
        let answer = kick + .milliseconds(2)
        turn(&s, read: 100, bytes: 40_000, queueEmpty: true, at: answer)
        #expect(!s.isAwaitingKickAnswer)
        #expect(s.hasHeldBackSinceKick)
        #expect(KafkaConsumer.fetchKickDue(in: s) == max(answer + KafkaConsumer.fetchStallKick, kick + KafkaConsumer.fetchKickInterval))
    }

    /// A restart answered later (a distant broker) is left to the 90 % rule, so the next
    /// restart does not throw its fetches in flight away.
    @Test func aRestartAnsweredLaterLeavesTheStallCheckToTheFill() {
        let kick = ContinuousClock.now
        var s = justKicked(at: kick)
        turn(&s, read: 100, bytes: 40_000, queueEmpty: true, at: kick + KafkaConsumer.fetchStallKick + .milliseconds(1))
        #expect(!s.isAwaitingKickAnswer)
        #expect(!s.hasHeldBackSinceKick)
        #expect(KafkaConsumer.fetchKickDue(in: s) == nil)
        // Only the first answer counts: more messages soon after do not arm it either.
        turn(&s, read: 100, bytes: 40_000, queueEmpty: true, at: kick + .milliseconds(12))
        #expect(!s.hasHeldBackSinceKick)
    }

    @Test func aConsumerThatHasReadEverythingIsNotKicked() async throws {
        let (cluster, topic) = try KafkaTestSupport.clusterWithTopic("no-kick", partitions: 2)
        try await produce(cluster, topic: topic, count: 50, size: 100)
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster, group: "g-\(topic)"))
        try consumer.subscribe(topics: [topic])
        #expect(await KafkaTestSupport.consume(consumer, count: 50).count == 50)
        let kicks = consumer.fetchKickCount
        // Idle at the end of the log for several kick intervals: the brokers' answers show no
        // more messages, so the waiting fetches are left alone.
        #expect(await consumer.poll(max: 10, timeout: .milliseconds(800)).isEmpty)
        #expect(consumer.fetchKickCount == kicks)
        await consumer.close()
    }
}
