#if canImport(Glibc)
import Glibc
#endif

/// Thin wrappers over the BSD socket calls the HTTP server uses. Every call goes through
/// `retryingSyscall` (EINTR retried, errors carry the call name and errno).
enum Socket {
    /// Ignores `SIGPIPE` process-wide (writes to a closed peer then fail with `EPIPE` instead of
    /// killing the process). Sends also pass `MSG_NOSIGNAL`. Wraps `signal`.
    static func ignoreSIGPIPE() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// Creates a non-blocking, close-on-exec listening TCP socket bound to `address`.
    /// Wraps `socket`, `setsockopt(SO_REUSEADDR)`, `bind`, `listen`.
    static func makeListener(address: SocketAddress, backlog: Int32 = 511) throws(SocketError) -> FileDescriptor {
        let raw = try retryingSyscall("socket") {
            Glibc.socket(address.addressFamily, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        let fd = FileDescriptor(owning: raw)
        try setOption(raw, SOL_SOCKET, SO_REUSEADDR, 1, name: "setsockopt(SO_REUSEADDR)")
        try address.withSockAddr { (sa, len) throws(SocketError) in
            _ = try retryingSyscall("bind") { Glibc.bind(raw, sa, len) }
        }
        _ = try retryingSyscall("listen") { Glibc.listen(raw, backlog) }
        return fd
    }

    /// The address the socket is bound to (to learn an ephemeral port). Wraps `getsockname`.
    static func localAddress(_ fd: Int32) throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try retryingSyscall("getsockname") {
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
        }
        guard let address = SocketAddress(storage: storage) else {
            throw .systemCall(name: "getsockname", errno: EAFNOSUPPORT)
        }
        return address
    }

    /// Accepts one connection and makes it non-blocking and close-on-exec; nil when none is
    /// waiting. Wraps `accept` and `fcntl` (`accept4` is not exported by the Glibc module).
    static func accept(_ listener: Int32) throws(SocketError) -> Int32? {
        guard let fd = try retryingNonBlockingSyscall("accept", { Glibc.accept(listener, nil, nil) }) else {
            return nil
        }
        let flags = fcntl(fd, F_GETFL)
        if flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 {
            let code = errno
            _ = Glibc.close(fd)
            throw .systemCall(name: "fcntl(O_NONBLOCK)", errno: code)
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Disables Nagle's algorithm. Wraps `setsockopt(TCP_NODELAY)`.
    static func setNoDelay(_ fd: Int32) {
        try? setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, name: "setsockopt(TCP_NODELAY)")
    }

    /// Reads into `buffer`; nil when it would block, 0 at end of stream. Wraps `recv`.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int? {
        try retryingNonBlockingSyscall("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// Writes from `buffer` without raising `SIGPIPE`; nil when it would block.
    /// Wraps `send(MSG_NOSIGNAL)`.
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SocketError) -> Int? {
        try retryingNonBlockingSyscall("send") {
            Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
        }
    }

    /// Half-closes the write side (the peer reads end of stream). Wraps `shutdown(SHUT_WR)`.
    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    private static func setOption(
        _ fd: Int32, _ level: Int32, _ option: Int32, _ value: Int32, name: StaticString
    ) throws(SocketError) {
        var value = value
        _ = try retryingSyscall(name) {
            setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }
}
