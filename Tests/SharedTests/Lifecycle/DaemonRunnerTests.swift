import Foundation
import Logging
import ServiceLifecycle
@testable import SharedLifecycle
@testable import SharedLogging
import Synchronization
@testable import TestSupport
import Testing

/// A service that runs until graceful shutdown and records what readiness said at that moment.
private struct DrainingService: Service {
    let readiness: Readiness
    let sawShutdownFirst: TestCounter  // 0 = not stopped yet, 1 = readiness already false, 2 = it was not

    func run() async throws {
        try? await gracefulShutdown()
        sawShutdownFirst.set(readiness.isShuttingDown && !readiness.isReady ? 1 : 2)
    }
}

private struct FailingService: Service {
    struct Failure: Error {}
    func run() async throws { throw Failure() }
}

extension SystemdEnvironmentSuite {
    @Suite struct DaemonRunnerTests {
        private let logger = LogSetup.makeLogger(label: "runner", service: "test", sink: .memory())

        @Test func readyThenGracefulShutdownSendsStoppingAndFailsReadiness() async throws {
            let socket = try NotifySocketStub()
            defer { socket.close() }
            setenv("WATCHDOG_USEC", "200000", 1)
            let readiness = Readiness()
            readiness.register("kafka")
            let order = TestCounter()
            let runner = DaemonRunner(
                services: [DrainingService(readiness: readiness, sawShutdownFirst: order)], readiness: readiness,
                logger: logger, shutdownTimeout: .seconds(10), gracefulShutdownSignals: [],
                readinessPollInterval: .milliseconds(10), isAlive: { true })
            let run = Task { await runner.run() }

            let starting = try #require(await socket.receive(until: "STATUS=not ready: kafka (pending: not reported yet)"))
            #expect(!starting.contains("READY=1\nSTATUS=ready"))
            readiness.set("kafka", .passing)
            let untilReady = try #require(await socket.receive(until: "READY=1\nSTATUS=ready"))
            #expect(untilReady.allSatisfy { $0 == "WATCHDOG=1" || $0 == "READY=1\nSTATUS=ready" })
            readiness.set("kafka", .failing(reason: "broker down"))
            #expect(await socket.receive(until: "STATUS=not ready: kafka (broker down)") != nil)
            readiness.set("kafka", .passing)
            #expect(await socket.receive(until: "STATUS=ready") != nil)

            await runner.group.triggerGracefulShutdown()
            #expect(await socket.receive(until: "STOPPING=1\nSTATUS=shutting down") != nil)
            #expect(await run.value == 0)
            #expect(readiness.isReady == false)
            #expect(readiness.isShuttingDown)
            #expect(order.value == 1, "readiness must fail before services drain")
        }

        @Test func failingServiceGivesExitCodeOneAndStopping() async throws {
            let socket = try NotifySocketStub()
            defer { socket.close() }
            let readiness = Readiness()
            let runner = DaemonRunner(
                services: [FailingService()], readiness: readiness, logger: logger, gracefulShutdownSignals: [],
                readinessPollInterval: .milliseconds(10))
            #expect(await runner.run() == 1)
            #expect(readiness.isShuttingDown)
            var datagrams: [String] = []
            while let datagram = await socket.receive(timeoutMs: 200) { datagrams.append(datagram) }
            #expect(datagrams.last == "STOPPING=1\nSTATUS=shutting down")
        }

        @Test func statusLine() {
            #expect(ReadinessReporter.statusLine([]) == "ready")
            #expect(ReadinessReporter.statusLine([
                .init(name: "kafka", state: .passing), .init(name: "postgres", state: .failing(reason: "refused")),
            ]) == "not ready: postgres (refused)")
        }
    }
}
