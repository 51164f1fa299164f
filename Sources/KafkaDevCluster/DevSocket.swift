#if canImport(Glibc)
    import Glibc
#endif

/// A failed socket call: which call, on what, and errno.
struct DevSocketError: Error, CustomStringConvertible {
    var call: String
    var target: String
    var errno: Int32

    var description: String { "\(call) \(target) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Minimal blocking IPv4 TCP sockets for the dev cluster's proxy and control port.
enum DevSocket {
    /// Runs a syscall, retrying on EINTR; negative results throw with errno.
    @discardableResult
    static func check(_ call: String, _ target: String, _ body: () -> Int32) throws -> Int32 {
        while true {
            let result = body()
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw DevSocketError(call: call, target: target, errno: errno)
        }
    }

    /// Parses `host:port` (IPv4 literal or `localhost`).
    static func address(_ text: String) throws -> sockaddr_in {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw DevSocketError(call: "parse", target: "\(text) (want host:port)", errno: EINVAL)
        }
        var host = String(text[..<colon])
        if host == "localhost" { host = "127.0.0.1" }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw DevSocketError(call: "inet_pton", target: "\(text) (want an IPv4 literal)", errno: EINVAL)
        }
        return address
    }

    /// A listening socket on `text` (`host:port`, port 0 = ephemeral); returns fd and bound port.
    static func listen(_ text: String) throws -> (fd: Int32, port: UInt16) {
        var address = try address(text)
        let fd = try check("socket", text) { socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        do {
            try check("bind", text) {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            try check("listen", text) { Glibc.listen(fd, 128) }
        } catch {
            close(fd)
            throw error
        }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: bound.sin_port))
    }

    /// Connects to `text` (`host:port`).
    static func connect(_ text: String) throws -> Int32 {
        var address = try address(text)
        let fd = try check("socket", text) { socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        do {
            try check("connect", text) {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Writes all of `bytes`; false when the peer is gone.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}
