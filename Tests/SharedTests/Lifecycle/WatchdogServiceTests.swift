import Foundation
import Logging
@testable import SharedLifecycle
@testable import SharedLogging
import Synchronization
@testable import TestSupport
import Testing

extension SystemdEnvironmentSuite {
    @Suite struct WatchdogServiceTests {
        private let logger = LogSetup.makeLogger(label: "watchdog", service: "test", sink: .memory())

        @Test func pingsAtHalfWatchdogUsecWhileAlive() async throws {
            let socket = try NotifySocketStub()
            defer { socket.close() }
            setenv("WATCHDOG_USEC", "100000", 1)
            let service = WatchdogService(logger: logger) { true }
            let task = Task { try await service.run() }
            defer { task.cancel() }
            #expect(await socket.receive() == "WATCHDOG=1")
            #expect(await socket.receive() == "WATCHDOG=1")
            #expect(await socket.receive() == "WATCHDOG=1")
            task.cancel()
            _ = try? await task.value
        }

        @Test func wedgedLoopStopsThePings() async throws {
            let socket = try NotifySocketStub()
            defer { socket.close() }
            let alive = TestCounter(0)
            let service = WatchdogService(interval: .milliseconds(20), logger: logger) { alive.value == 1 }
            let task = Task { try await service.run() }
            defer { task.cancel() }
            // Ten intervals without a ping while not alive.
            #expect(await socket.receive(timeoutMs: 200) == nil)
            alive.set(1)
            #expect(await socket.receive() == "WATCHDOG=1")
            #expect(await socket.receive() == "WATCHDOG=1")
            task.cancel()
            _ = try? await task.value
        }

        @Test func withoutWatchdogItWaitsQuietlyUntilCancelled() async throws {
            let socket = try NotifySocketStub()
            defer { socket.close() }
            unsetenv("WATCHDOG_USEC")
            let service = WatchdogService(logger: logger) { true }
            let task = Task { try await service.run() }
            #expect(await socket.receive(timeoutMs: 100) == nil)
            task.cancel()
            try await task.value
        }
    }
}
