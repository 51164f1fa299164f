#if canImport(Glibc)
import CThreadName
import Glibc
#endif

/// A named, detached OS thread for loops that block in C calls (librdkafka's polls,
/// `epoll_wait`), which must never run on Swift's cooperative pool.
///
/// Plain pthreads, so the daemons do not link Foundation for its `Thread` (docs/benchmarks.md,
/// RSS). Linux keeps 15 bytes of a thread's name (`/proc/PID/task/*/comm`, `top -H`); a longer
/// `name` is cut to that.
public enum OSThread {
    /// The longest thread name Linux keeps, in bytes.
    public static let maxNameLength = 15

    /// Starts `body` on a new thread named `name` and returns at once. A daemon without the
    /// thread cannot work, so failing to start one (`EAGAIN`: the process hit its thread limit)
    /// stops the process with the reason.
    public static func detach(name: String, _ body: @escaping @Sendable () -> Void) {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            _ = kafkatrace_set_thread_name(start.shortName)
            start.body()
            return nil
        }, start)
        guard rc == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            fatalError("cannot start thread \(name): \(String(cString: strerror(rc)))")
        }
        pthread_detach(thread)
    }

    /// Blocks the calling OS thread for `duration` (`nanosleep`, resumed after a signal), like a
    /// slow C call. Only off Swift's cooperative pool: a thread started with `detach`, a Dispatch
    /// queue's thread, or one of a C library's own.
    public static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }

    /// A thread's identity (`pthread_t`), to compare with `==`.
    public struct ID: Equatable, @unchecked Sendable {
        let thread: pthread_t

        public static func == (a: ID, b: ID) -> Bool { pthread_equal(a.thread, b.thread) != 0 }
    }

    /// The calling thread's identity.
    public static var current: ID { ID(thread: pthread_self()) }

    private final class Start {
        let shortName: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.shortName = String(decoding: name.utf8.prefix(OSThread.maxNameLength), as: UTF8.self)
            self.body = body
        }
    }
}
