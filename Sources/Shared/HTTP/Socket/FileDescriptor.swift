#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Owns one file descriptor: closes it on `close()` or, at the latest, in `deinit`.
/// `close()` is idempotent; after it `rawValue` is -1.
final class FileDescriptor: Sendable {
    private let fd: Atomic<Int32>

    /// Takes ownership of `rawValue`.
    public init(owning rawValue: Int32) {
        fd = Atomic(rawValue)
    }

    /// The descriptor, or -1 once closed. Never close it yourself.
    public var rawValue: Int32 { fd.load(ordering: .acquiring) }

    public var isClosed: Bool { rawValue < 0 }

    /// Closes the descriptor once. Wraps `close`; errors (other than the first call) are ignored,
    /// because Linux always releases the descriptor even when `close` reports an error.
    public func close() {
        let old = fd.exchange(-1, ordering: .acquiringAndReleasing)
        if old >= 0 { _ = Glibc.close(old) }
    }

    deinit {
        let old = fd.load(ordering: .acquiring)
        if old >= 0 { _ = Glibc.close(old) }
    }
}
