import Dispatch
import Foundation
import SharedCore
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

    /// A cancelled caller stops waiting at once; the call itself still runs to its end. The call
    /// blocks until the test releases it, so "the caller came back before the call ended" holds
    /// by construction, not by a time bound a loaded machine (or ThreadSanitizer) can miss.
    @Test func aCancelledCallerStopsWaitingWhileTheCallFinishesOnItsThread() async throws {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = Collector<Bool>()
        let task = Task { () -> Result<Int, KafkaError> in
            do throws(KafkaError) {
                let value = try await KafkaBlocking.run("slow call") { () throws(KafkaError) -> Int in
                    started.signal()
                    release.wait()
                    finished.append(true)
                    return 1
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                started.wait()
                continuation.resume()
            }
        }
        // Safety net: were the caller to wait for the call, the call ends after 30 s and the
        // count below fails, instead of the test hanging.
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { release.signal() }
        task.cancel()
        let result = await task.value
        // Back while the call is still blocked in its own thread.
        #expect(finished.count == 0)
        guard case .failure(.cancelled) = result else {
            Issue.record("expected .cancelled, got \(result)")
            release.signal()
            return
        }
        release.signal()
        #expect(await finished.wait(timeout: .seconds(20)) { $0.count == 1 })
    }

    @Test func aCallerStopsWaitingAfterItsLimitWhileTheCallGoesOn() async throws {
        // The call blocks until released: the caller can only be back early because its limit
        // fired (were it to wait for the call, the 30 s safety release ends the call first, and
        // the caller gets a result instead of .timedOut).
        let release = DispatchSemaphore(value: 0)
        let finished = Collector<Bool>()
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { release.signal() }
        do {
            _ = try await KafkaBlocking.run("slow close", waitingAtMost: .milliseconds(300)) { () throws(KafkaError) in
                release.wait()
                finished.append(true)
            }
            Issue.record("expected a timeout")
        } catch {
            #expect(error.code == .timedOut)
        }
        #expect(finished.count == 0)
        release.signal()
        #expect(await finished.wait(timeout: .seconds(20)) { $0.count == 1 })
    }

    @Test func aCallerCancelledBeforehandDoesNotWaitAtAll() async throws {
        let task = Task { () -> (Result<Int, KafkaError>, Duration) in
            withUnsafeCurrentTask { $0?.cancel() }
            let start = ContinuousClock.now
            do throws(KafkaError) {
                let value = try await KafkaBlocking.run("late") { () throws(KafkaError) -> Int in
                    OSThread.sleep(for: .seconds(1))
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

    /// Calls stuck in librdkafka, many more of them than there are CPUs, hold back neither a later
    /// call nor a caller's time limit (a concurrent Dispatch queue would: its pool is as wide as
    /// the CPU count).
    @Test func stuckCallsDelayNeitherOtherCallsNorTimeLimits() async throws {
        let stuck = ProcessInfo.processInfo.activeProcessorCount + 16
        let released = DispatchSemaphore(value: 0)
        let running = Collector<Int>()
        for index in 0..<stuck {
            Task {
                _ = try? await KafkaBlocking.run("stuck \(index)") { () throws(KafkaError) in
                    running.append(index)
                    released.wait()
                }
            }
        }
        let releaseAll = { @Sendable in for _ in 0..<stuck { released.signal() } }
        // The bounded call blocks on a semaphore of its own, so that the safety release below,
        // should it fire on a very slow machine, cannot let it return in time.
        let boundedRelease = DispatchSemaphore(value: 0)
        defer {
            releaseAll()
            boundedRelease.signal()
        }
        // Should the calls below be held back after all, this ends the test (failing) instead of hanging it.
        DispatchQueue(label: "test.release").asyncAfter(deadline: .now() + 15, execute: releaseAll)
        // Every stuck call got a thread of its own.
        #expect(await running.wait(timeout: .seconds(20)) { $0.count == stuck })

        let start = ContinuousClock.now
        #expect(try await KafkaBlocking.run("quick") { () throws(KafkaError) in 7 } == 7)
        do {
            _ = try await KafkaBlocking.run("bounded", waitingAtMost: .milliseconds(200)) { () throws(KafkaError) in
                boundedRelease.wait()
            }
            Issue.record("expected a timeout")
        } catch {
            #expect(error.code == .timedOut)
        }
        // Seconds of room for a loaded machine; the stuck calls would hold both forever.
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}
