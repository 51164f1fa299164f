import Dispatch
import Synchronization

/// Runs blocking librdkafka calls (flush, metadata, commit, close) on dedicated Dispatch
/// threads, never on the Swift cooperative pool, and hands the result back.
///
/// A cancelled caller stops waiting at once and gets `.cancelled`; with `waitingAtMost`, a caller
/// also stops waiting after that long and gets `_TIMED_OUT`. Either way the call itself still
/// runs to its end on its thread (a C call cannot be interrupted), holding its own references,
/// so the handle is not destroyed under it. A service that is cancelled at shutdown is never
/// stuck in librdkafka.
enum KafkaBlocking {
    private static let queue = DispatchQueue(label: "kafkatrace.kafka.blocking", attributes: .concurrent)

    static func run<T: Sendable>(
        _ context: String, waitingAtMost limit: Duration? = nil, _ body: @escaping @Sendable () throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let handoff = Handoff<T>()
        if let limit {
            // A Dispatch timer, not a Task: it fires even when the cooperative pool is busy.
            let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
            queue.asyncAfter(deadline: .now() + .nanoseconds(Int(max(0, nanoseconds)))) {
                handoff.finish(.failure(.from(code: .timedOut, message: "gave up waiting after \(limit)", context: context)))
            }
        }
        let result: Result<T, KafkaError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                handoff.wait(with: continuation)
                queue.async {
                    do throws(KafkaError) {
                        handoff.finish(.success(try body()))
                    } catch {
                        handoff.finish(.failure(error))
                    }
                }
            }
        } onCancel: {
            handoff.finish(.failure(.cancelled(context: context)))
        }
        return try result.get()
    }

    /// Delivers the first of (result, cancellation) to the waiting continuation exactly once.
    private final class Handoff<T: Sendable>: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<Result<T, KafkaError>, Never>)
            case finished(Result<T, KafkaError>)
            case delivered
        }

        private let state = Mutex(State.idle)

        func wait(with continuation: CheckedContinuation<Result<T, KafkaError>, Never>) {
            let early: Result<T, KafkaError>? = state.withLock { s in
                if case .finished(let result) = s {
                    s = .delivered
                    return result
                }
                s = .waiting(continuation)
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        func finish(_ result: Result<T, KafkaError>) {
            let waiting: CheckedContinuation<Result<T, KafkaError>, Never>? = state.withLock { s in
                switch s {
                case .idle:
                    s = .finished(result)
                    return nil
                case .waiting(let continuation):
                    s = .delivered
                    return continuation
                case .finished, .delivered:
                    return nil
                }
            }
            waiting?.resume(returning: result)
        }
    }
}
