#if canImport(Glibc)
import Glibc
#endif

/// The one errno helper: runs a system call, retries on `EINTR`, throws `SocketError.systemCall`
/// with the call's name on any other failure (a result of -1).
@inline(__always)
func retryingSyscall<T: FixedWidthInteger>(
    _ name: StaticString, _ call: () -> T
) throws(SocketError) -> T {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SocketError.systemCall(name: name.description, errno: code)
    }
}

/// Like `retryingSyscall`, for non-blocking descriptors: returns nil on `EAGAIN`/`EWOULDBLOCK`.
@inline(__always)
func retryingNonBlockingSyscall<T: FixedWidthInteger>(
    _ name: StaticString, _ call: () -> T
) throws(SocketError) -> T? {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return nil }
        throw SocketError.systemCall(name: name.description, errno: code)
    }
}
