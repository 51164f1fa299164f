import SharedCore
import Prometheus
import ServiceLifecycle
import SharedKafka
import Synchronization

/// Why dead letters were not all acknowledged.
enum DeadLetterError: Error, Sendable, CustomStringConvertible {
    /// `failed` of `total` letters to `topic` were not delivered; `first` is the first error.
    case deliveryFailed(topic: String, failed: Int, total: Int, first: KafkaError)

    var description: String {
        switch self {
        case .deliveryFailed(let topic, let failed, let total, let first):
            return "\(failed) of \(total) dead letters to \(topic) were not delivered (first error: \(first)); "
                + "the batch is not committed and will be retried"
        }
    }
}

/// Sends invalid messages to the dead-letter topic and waits for their delivery reports,
/// so the caller commits their offsets only once the DLQ has them. No retry loop on content:
/// librdkafka retries transport errors within `message.timeout.ms`; a letter that still fails
/// fails the whole `publish` call (the caller retries the batch later).
///
/// As a service it only waits: on graceful shutdown (after the pipeline has stopped) it flushes
/// what is left, within `closeTimeout`, and closes the producer.
final class DeadLetterPublisher: Service, Sendable {
    private struct Pending {
        var remaining: Int
        var failures: [KafkaError] = []
        var continuation: CheckedContinuation<[KafkaError], Never>?
    }

    private struct State {
        var nextID: UInt64 = 1
        /// Letter id → publish call id.
        var calls: [UInt64: UInt64] = [:]
        var pending: [UInt64: Pending] = [:]
    }

    let topic: String
    let closeTimeout: Duration
    private let metrics: ConsumerMetrics?
    private let state = Mutex(State())
    private let producerBox = Mutex<KafkaProducer?>(nil)

    /// Creates the publisher and its idempotent producer.
    /// - Parameters:
    ///   - configuration: producer settings (brokers, security); `message.timeout.ms` bounds how
    ///     long a letter may take before it counts as failed.
    ///   - topic: `kafka.dlq_topic`.
    init(
        configuration: KafkaProducerConfiguration, topic: String, metrics: ConsumerMetrics?,
        closeTimeout: Duration = .seconds(2), onStatistics: (@Sendable (String) -> Void)? = nil, onError: (@Sendable (KafkaError) -> Void)? = nil
    ) throws(KafkaError) {
        self.topic = topic
        self.closeTimeout = closeTimeout
        self.metrics = metrics
        let link = WeakReference<DeadLetterPublisher>()
        let producer = try KafkaProducer(
            configuration: configuration,
            onDeliveryReport: { report in link.object?.delivered(report) },
            onStatistics: onStatistics, onError: onError, onFatalError: onError)
        producerBox.withLock { $0 = producer }
        link.set(self)
    }

    /// Sends `letters` and waits until every one is acknowledged or failed.
    /// Throws `.deliveryFailed` when any failed (including a local queue that stayed full).
    func publish(_ letters: [DeadLetter], enqueueTimeout: Duration = .seconds(5)) async throws(DeadLetterError) {
        guard !letters.isEmpty else { return }
        guard let producer = producerBox.withLock({ $0 }) else {
            throw .deliveryFailed(
                topic: topic, failed: letters.count, total: letters.count,
                first: .closed(context: "dead-letter producer"))
        }
        let callID = state.withLock { s -> UInt64 in
            let id = s.nextID
            s.nextID += 1
            s.pending[id] = Pending(remaining: letters.count)
            return id
        }
        for letter in letters {
            let letterID = state.withLock { s -> UInt64 in
                let id = s.nextID
                s.nextID += 1
                s.calls[id] = callID
                return id
            }
            do {
                try await producer.send(
                    topic: topic, key: letter.key, value: letter.value, headers: letter.headers, id: letterID,
                    enqueueTimeout: enqueueTimeout)
            } catch {
                finish(letterID: letterID, error: error)
            }
        }
        let failures = await withCheckedContinuation { continuation in
            let done: [KafkaError]? = state.withLock { s in
                guard let pending = s.pending[callID] else { return [] }
                if pending.remaining == 0 {
                    s.pending[callID] = nil
                    return pending.failures
                }
                s.pending[callID]?.continuation = continuation
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
        let delivered = letters.count - failures.count
        metrics?.dlqSent.increment(by: Int64(delivered))
        if let first = failures.first {
            metrics?.dlqFailed.increment(by: Int64(failures.count))
            throw .deliveryFailed(topic: topic, failed: failures.count, total: letters.count, first: first)
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        await close(timeout: closeTimeout)
    }

    /// Flushes outstanding letters (bounded) and closes the producer.
    func close(timeout: Duration = .seconds(5)) async {
        guard let producer = producerBox.withLock({ box in defer { box = nil }; return box }) else { return }
        _ = await producer.flush(timeout: timeout)
        await producer.close()
    }

    private func delivered(_ report: DeliveryReport) {
        finish(letterID: report.id, error: report.error)
    }

    private func finish(letterID: UInt64, error: KafkaError?) {
        let resume: (CheckedContinuation<[KafkaError], Never>, [KafkaError])? = state.withLock { s in
            guard let callID = s.calls.removeValue(forKey: letterID), var pending = s.pending[callID] else { return nil }
            pending.remaining -= 1
            if let error { pending.failures.append(error) }
            if pending.remaining == 0, let continuation = pending.continuation {
                s.pending[callID] = nil
                return (continuation, pending.failures)
            }
            s.pending[callID] = pending
            return nil
        }
        if let (continuation, failures) = resume { continuation.resume(returning: failures) }
    }
}
