import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// An epoll instance (level-triggered), owned by one event-loop thread.
/// Wraps `epoll_create1`, `epoll_ctl`, `epoll_wait`.
final class Epoll {
    /// Readiness flags for `add`/`modify`.
    struct Events: OptionSet {
        let rawValue: UInt32
        static let readable = Events(rawValue: EPOLLIN.rawValue)
        static let writable = Events(rawValue: EPOLLOUT.rawValue)
        static let error = Events(rawValue: EPOLLERR.rawValue)
        static let hangup = Events(rawValue: EPOLLHUP.rawValue)
        static let readHangup = Events(rawValue: EPOLLRDHUP.rawValue)
    }

    let descriptor: FileDescriptor
    private var events: [epoll_event]

    init(maxEvents: Int = 256) throws(SocketError) {
        let raw = try retryingSyscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        descriptor = FileDescriptor(owning: raw)
        events = [epoll_event](repeating: epoll_event(), count: maxEvents)
    }

    /// Registers `fd` with `token` handed back by `wait`. Wraps `epoll_ctl(EPOLL_CTL_ADD)`.
    func add(_ fd: Int32, _ interest: Events, token: UInt64) throws(SocketError) {
        try control(EPOLL_CTL_ADD, fd, interest, token: token, name: "epoll_ctl(EPOLL_CTL_ADD)")
    }

    /// Changes the interest set. Wraps `epoll_ctl(EPOLL_CTL_MOD)`.
    func modify(_ fd: Int32, _ interest: Events, token: UInt64) throws(SocketError) {
        try control(EPOLL_CTL_MOD, fd, interest, token: token, name: "epoll_ctl(EPOLL_CTL_MOD)")
    }

    /// Unregisters `fd` (closing it does this too). Wraps `epoll_ctl(EPOLL_CTL_DEL)`.
    func remove(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(descriptor.rawValue, EPOLL_CTL_DEL, fd, &event)
    }

    /// Waits up to `timeoutMs` (-1 = forever) and calls `body(token, events)` for each ready
    /// descriptor. Returns the number of events. Wraps `epoll_wait` (EINTR counts as 0 events).
    func wait(timeoutMs: Int32, _ body: (UInt64, Events) -> Void) throws(SocketError) -> Int {
        let epfd = descriptor.rawValue
        let capacity = Int32(events.count)
        let count = events.withUnsafeMutableBufferPointer { buffer in
            epoll_wait(epfd, buffer.baseAddress, capacity, timeoutMs)
        }
        if count < 0 {
            let code = errno
            if code == EINTR { return 0 }
            throw .systemCall(name: "epoll_wait", errno: code)
        }
        for index in 0..<Int(count) {
            let event = events[index]
            body(event.data.u64, Events(rawValue: event.events))
        }
        return Int(count)
    }

    private func control(
        _ op: Int32, _ fd: Int32, _ interest: Events, token: UInt64, name: StaticString
    ) throws(SocketError) {
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.u64 = token
        let epfd = descriptor.rawValue
        _ = try retryingSyscall(name) { epoll_ctl(epfd, op, fd, &event) }
    }
}

/// A non-blocking eventfd used to wake an epoll loop from other threads.
/// Wraps `eventfd`, `write`, `read`.
final class EventFD: Sendable {
    let descriptor: FileDescriptor

    init() throws(SocketError) {
        let raw = try retryingSyscall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC)) }
        descriptor = FileDescriptor(owning: raw)
    }

    /// Wakes the loop (adds 1 to the counter). Safe from any thread.
    func signal() {
        var one: UInt64 = 1
        let fd = descriptor.rawValue
        _ = try? retryingNonBlockingSyscall("write(eventfd)") { Glibc.write(fd, &one, 8) }
    }

    /// Resets the counter after a wake-up.
    func drain() {
        var value: UInt64 = 0
        let fd = descriptor.rawValue
        _ = try? retryingNonBlockingSyscall("read(eventfd)") { Glibc.read(fd, &value, 8) }
    }
}
