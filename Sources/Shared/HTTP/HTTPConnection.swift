/// One client connection's state. Owned and touched only by the event-loop thread.
final class HTTPConnection {
    /// A request whose response must be written in order (pipelining).
    struct Slot {
        var sequence: UInt64
        var method: String
        var route: String
        var isHead: Bool
        var isKeepAlive: Bool
        var version: HTTPVersion
        var startNanoseconds: UInt64
        var response: HTTPResponse?
    }

    enum Phase {
        /// Reading requests, writing responses.
        case open
        /// The last response is queued; close once the output is flushed.
        case closingAfterFlush
        /// Output flushed and write side shut down; reading and discarding until EOF or `until`.
        case lingering(until: UInt64)
    }

    let descriptor: FileDescriptor
    /// Unique per connection (never reused, unlike fds): async responses carry it.
    let id: UInt64
    var parser: HTTPParser
    var phase = Phase.open
    var slots: [Slot] = []
    var nextSequence: UInt64 = 0
    var output: [UInt8] = []
    var outputOffset = 0
    /// When the current request's first byte arrived (nil: no partial request).
    var requestStartNanoseconds: UInt64?
    /// When the loop woke up for the last read (stamped on requests as `receivedAtNanoseconds`).
    var lastReadWakeNanoseconds: UInt64 = 0
    /// Last read or write progress.
    var lastActivityNanoseconds: UInt64
    var isPeerClosed = false
    /// The epoll interest currently registered.
    var interest: Epoll.Events = .readable

    init(descriptor: FileDescriptor, id: UInt64, limits: HTTPParserLimits, now: UInt64) {
        self.descriptor = descriptor
        self.id = id
        self.parser = HTTPParser(limits: limits)
        self.lastActivityNanoseconds = now
    }

    var fd: Int32 { descriptor.rawValue }

    var hasPendingOutput: Bool { outputOffset < output.count }

    var pendingOutputBytes: Int { output.count - outputOffset }

    /// No request in progress, nothing to write: safe to close at idle timeout or on stop.
    var isIdle: Bool { slots.isEmpty && !hasPendingOutput && !parser.hasBufferedBytes }

    var isLingering: Bool {
        if case .lingering = phase { return true }
        return false
    }
}
