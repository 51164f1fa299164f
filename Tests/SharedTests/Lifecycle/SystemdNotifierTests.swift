import Foundation
@testable import SharedLifecycle
@testable import TestSupport
import Testing

extension SystemdEnvironmentSuite {
    @Suite struct SystemdNotifierTests {
        @Test func sendsExactDatagrams() async throws {
            let socket = try NotifySocketStub()
            defer { socket.close() }
            let notifier = SystemdNotifier()
            #expect(notifier.ready(status: "ready") == .sent)
            #expect(await socket.receive() == "READY=1\nSTATUS=ready")
            #expect(notifier.status("consuming\nfood-orders") == .sent)
            #expect(await socket.receive() == "STATUS=consuming food-orders")
            #expect(notifier.watchdog() == .sent)
            #expect(await socket.receive() == "WATCHDOG=1")
            #expect(notifier.stopping() == .sent)
            #expect(await socket.receive() == "STOPPING=1")
            #expect(notifier.stopping(status: "draining") == .sent)
            #expect(await socket.receive() == "STOPPING=1\nSTATUS=draining")
            // The environment is left in place for later calls.
            #expect(ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] == socket.path)
        }

        @Test func noSocketIsANoOp() {
            unsetenv("NOTIFY_SOCKET")
            #expect(SystemdNotifier().ready() == .notConfigured)
            #expect(SystemdNotifier().watchdog() == .notConfigured)
        }

        @Test func missingSocketFileIsReportedAsFailure() {
            setenv("NOTIFY_SOCKET", "/tmp/kt-sd-does-not-exist/notify", 1)
            defer { unsetenv("NOTIFY_SOCKET") }
            guard case .failed(let code) = SystemdNotifier().ready() else {
                Issue.record("expected failure for a missing socket")
                return
            }
            #expect(code == ENOENT)
        }

        @Test func watchdogIntervalIsHalfOfWatchdogUsec() {
            defer { unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
            unsetenv("WATCHDOG_USEC")
            #expect(SystemdNotifier().isWatchdogEnabled == false)
            #expect(SystemdNotifier().watchdogInterval == nil)
            setenv("WATCHDOG_USEC", "200000", 1)
            setenv("WATCHDOG_PID", "\(getpid())", 1)
            #expect(SystemdNotifier().watchdogTimeout == .milliseconds(200))
            #expect(SystemdNotifier().watchdogInterval == .milliseconds(100))
            // Meant for another process: not ours to ping.
            setenv("WATCHDOG_PID", "\(getpid() + 1)", 1)
            #expect(SystemdNotifier().isWatchdogEnabled == false)
        }
    }
}
