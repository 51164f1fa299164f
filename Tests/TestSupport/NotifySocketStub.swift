import Dispatch
import Foundation
import Synchronization
import Testing

/// Every test that sets `NOTIFY_SOCKET` / `WATCHDOG_USEC` for the process runs inside this
/// serialized suite (nested suites inherit `.serialized`), so they never see each other's env.
@Suite(.serialized) struct SystemdEnvironmentSuite {}

/// Stands in for systemd's notify socket: an `AF_UNIX`/`SOCK_DGRAM` socket bound in a fresh
/// directory under /tmp, installed as `NOTIFY_SOCKET` for the process until `close()`.
/// A shared integer for tests (`Atomic` itself cannot be captured or stored in a struct).
final class TestCounter: Sendable {
    private let atomic: Atomic<Int>
    init(_ value: Int = 0) { atomic = Atomic(value) }
    var value: Int {
        get { atomic.load(ordering: .sequentiallyConsistent) }
    }
    func set(_ value: Int) { atomic.store(value, ordering: .sequentiallyConsistent) }
}

final class NotifySocketStub: Sendable {
    let directory: String
    let path: String
    let fd: Int32

    init() throws {
        var template = Array("/tmp/kt-sd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        directory = String(cString: made)
        path = directory + "/notify"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        setenv("NOTIFY_SOCKET", path, 1)
    }

    /// The next datagram, or nil when none arrives within `timeoutMs`. Waits off the cooperative pool.
    func receive(timeoutMs: Int32 = 5000) async -> String? {
        let fd = fd
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pollFD, 1, timeoutMs) == 1 else { return continuation.resume(returning: nil) }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &buffer, buffer.count, 0)
                continuation.resume(returning: n >= 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil)
            }
        }
    }

    /// Datagrams until one equals `wanted` (returned: everything received, `wanted` last), or nil on timeout.
    func receive(until wanted: String, timeoutMs: Int32 = 5000) async -> [String]? {
        var seen: [String] = []
        while let datagram = await receive(timeoutMs: timeoutMs) {
            seen.append(datagram)
            if datagram == wanted { return seen }
        }
        return nil
    }

    func close() {
        unsetenv("NOTIFY_SOCKET")
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        Glibc.close(fd)
        unlink(path)
        rmdir(directory)
    }
}
