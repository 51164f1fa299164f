#if canImport(Glibc)
import Glibc
#endif

/// Errors from the socket layer. Each system-call failure carries the call's name and `errno`.
enum SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed; `name` is the C function (`bind`, `accept4`, ...).
    case systemCall(name: String, errno: Int32)
    /// The host is not an IPv4 or IPv6 literal, or the port is out of range.
    case invalidAddress(host: String, port: Int, reason: String)
    /// The descriptor was already closed.
    case closed

    var description: String {
        switch self {
        case .systemCall(let name, let code):
            return "\(name) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .invalidAddress(let host, let port, let reason):
            return "invalid socket address \(host):\(port): \(reason)"
        case .closed:
            return "the socket is already closed"
        }
    }
}
