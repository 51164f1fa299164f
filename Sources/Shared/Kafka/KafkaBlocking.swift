import Dispatch

/// Runs blocking librdkafka calls (flush, metadata, commit, close) on dedicated Dispatch
/// threads, never on the Swift cooperative pool, and hands the result back.
enum KafkaBlocking {
    private static let queue = DispatchQueue(label: "kafkatrace.kafka.blocking", attributes: .concurrent)

    static func run<T: Sendable>(
        _ body: @escaping @Sendable () throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(KafkaError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
