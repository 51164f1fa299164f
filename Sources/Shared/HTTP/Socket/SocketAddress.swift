#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address, parsed from a literal (`127.0.0.1`, `::1`, `[::1]`, `0.0.0.0`).
/// Host names are not resolved.
struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address family.
    enum Family: Sendable, Equatable {
        case ipv4
        case ipv6
    }

    let family: Family
    /// The canonical textual form of the address (without brackets).
    let host: String
    let port: Int

    /// Parses `host` with `inet_pton`; `port` must be 0–65535 (0 = ephemeral).
    init(host: String, port: Int) throws(SocketError) {
        guard (0...65535).contains(port) else {
            throw .invalidAddress(host: host, port: port, reason: "port must be 0-65535")
        }
        var literal = host
        if literal.hasPrefix("[") && literal.hasSuffix("]") && literal.count >= 2 {
            literal = String(literal.dropFirst().dropLast())
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            family = .ipv4
            self.host = Self.format(v4)
        } else if inet_pton(AF_INET6, literal, &v6) == 1 {
            family = .ipv6
            self.host = Self.format(v6)
        } else {
            throw .invalidAddress(
                host: host, port: port, reason: "host must be an IPv4 or IPv6 literal such as 127.0.0.1 or ::1")
        }
        self.port = port
    }

    /// Reads an address filled in by the kernel (`getsockname`, `accept4`).
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            family = .ipv4
            host = Self.format(sin.sin_addr)
            port = Int(UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            family = .ipv6
            host = Self.format(sin6.sin6_addr)
            port = Int(UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    var description: String {
        family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    var addressFamily: Int32 { family == .ipv4 ? AF_INET : AF_INET6 }

    /// Lends the C `sockaddr` for the duration of `body`.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(SocketError) -> R) throws(SocketError) -> R {
        switch family {
        case .ipv4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            _ = inet_pton(AF_INET, host, &sin.sin_addr)
            return try Self.lend(&sin, body)
        case .ipv6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(port).bigEndian
            _ = inet_pton(AF_INET6, host, &sin6.sin6_addr)
            return try Self.lend(&sin6, body)
        }
    }

    private static func lend<T, R>(
        _ value: inout T, _ body: (UnsafePointer<sockaddr>, socklen_t) throws(SocketError) -> R
    ) throws(SocketError) -> R {
        let size = socklen_t(MemoryLayout<T>.size)
        let result: Result<R, SocketError> = withUnsafePointer(to: &value) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                do throws(SocketError) { return .success(try body(sa, size)) } catch { return .failure(error) }
            }
        }
        return try result.get()
    }

    private static func format(_ addr: in_addr) -> String {
        var addr = addr
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        _ = inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func format(_ addr: in6_addr) -> String {
        var addr = addr
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
