import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Forwards every TCP connection accepted on `listen` to `target`, one thread per direction.
/// Kafka clients only use it as their first hop: metadata then points them at the real brokers.
final class TCPProxy: Sendable {
    let listenFD: Int32
    let port: UInt16
    let target: String

    init(listen: String, target: String) throws {
        (listenFD, port) = try DevSocket.listen(listen)
        self.target = target
    }

    func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "proxy-accept"
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // listener closed
            }
            let upstream: Int32
            do {
                upstream = try DevSocket.connect(target)
            } catch {
                FileHandle.standardError.write(Data("proxy: \(error)\n".utf8))
                close(client)
                continue
            }
            let finished = DispatchGroup()
            for (from, to) in [(client, upstream), (upstream, client)] {
                finished.enter()
                let pump = Thread {
                    Self.pump(from: from, to: to)
                    finished.leave()
                }
                pump.name = "proxy-pump"
                pump.start()
            }
            finished.notify(queue: .global()) {
                close(client)
                close(upstream)
            }
        }
    }

    /// Copies bytes until either side closes, then half-closes the other side.
    private static func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            let ok = buffer.withUnsafeBytes { DevSocket.writeAll(to, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            if !ok { break }
        }
        shutdown(to, Int32(SHUT_WR))
        shutdown(from, Int32(SHUT_RD))
    }

    func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
    }
}
