import Dispatch
import Testing
@testable import SharedKafka
@testable import TestSupport

@Suite struct KafkaBlockingTests {
    @Test func theResultOfTheCallIsReturned() async throws {
        #expect(try await KafkaBlocking.run("add") { () throws(KafkaError) in 40 + 2 } == 42)
        await #expect(throws: KafkaError.self) {
            try await KafkaBlocking.run("fail") { () throws(KafkaError) -> Int in throw .closed(context: "x") }
        }
    }

    /// A cancelled caller stops waiting at once; the call itself still runs to its end.
    @Test func aCancelledCallerStopsWaitingWhileTheCallFinishesOnItsThread() async throws {
        let started = DispatchSemaphore(value: 0)
        let finished = Collector<Bool>()
        let task = Task { () -> (Result<Int, KafkaError>, ContinuousClock.Instant) in
            do throws(KafkaError) {
                let value = try await KafkaBlocking.run("slow call") { () throws(KafkaError) -> Int in
                    started.signal()
                    KafkaTestSupport.blockingSleep(.seconds(8))
                    finished.append(true)
                    return 1
                }
                return (.success(value), .now)
            } catch {
                return (.failure(error), .now)
            }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                started.wait()
                continuation.resume()
            }
        }
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let (result, returnedAt) = await task.value
        // The call itself takes 8 s; the bound leaves room for a loaded machine.
        #expect(returnedAt - cancelledAt < .seconds(4))
        guard case .failure(.cancelled) = result else {
            Issue.record("expected .cancelled, got \(result)")
            return
        }
        #expect(finished.count == 0)
        #expect(await finished.wait(timeout: .seconds(20)) { $0.count == 1 })
    }

    @Test func aCallerStopsWaitingAfterItsLimitWhileTheCallGoesOn() async throws {
        let finished = Collector<Bool>()
        let start = ContinuousClock.now
        do {
            _ = try await KafkaBlocking.run("slow close", waitingAtMost: .milliseconds(300)) { () throws(KafkaError) in
                KafkaTestSupport.blockingSleep(.seconds(8))
                finished.append(true)
            }
            Issue.record("expected a timeout")
        } catch {
            #expect(error.code == .timedOut)
        }
        #expect(ContinuousClock.now - start < .seconds(4))  // the call takes 8 s
        #expect(finished.count == 0)
        #expect(await finished.wait(timeout: .seconds(20)) { $0.count == 1 })
    }

    @Test func aCallerCancelledBeforehandDoesNotWaitAtAll() async throws {
        let task = Task { () -> (Result<Int, KafkaError>, Duration) in
            withUnsafeCurrentTask { $0?.cancel() }
            let start = ContinuousClock.now
            do throws(KafkaError) {
                let value = try await KafkaBlocking.run("late") { () throws(KafkaError) -> Int in
                    KafkaTestSupport.blockingSleep(.seconds(1))
                    return 1
                }
                return (.success(value), ContinuousClock.now - start)
            } catch {
                return (.failure(error), ContinuousClock.now - start)
            }
        }
        let (result, waited) = await task.value
        guard case .failure(.cancelled) = result else {
            Issue.record("expected .cancelled, got \(result)")
            return
        }
        #expect(waited < .milliseconds(900))
    }
}
