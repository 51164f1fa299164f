import SharedCore
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The server's epoll loop. Created and run on one dedicated thread; everything here is touched
/// only by that thread. Other threads talk to it through `HTTPLoopMailbox`.
final class HTTPEventLoop {
    static let listenerToken = UInt64.max
    static let wakeupToken = UInt64.max - 1
    /// Requests parsed ahead of their responses per connection (pipelining depth).
    static let maxPipelinedRequests = 32
    /// Output bytes buffered per connection before parsing pauses.
    static let maxBufferedOutputBytes = 1 << 20

    let configuration: HTTPServerConfiguration
    let router: Router
    let metrics: HTTPMetrics?
    let logger: Logger
    let mailbox: HTTPLoopMailbox
    let epoll: Epoll
    let listener: FileDescriptor
    let limits: HTTPParserLimits
    let idleTimeoutNanoseconds: UInt64
    let requestTimeoutNanoseconds: UInt64
    let lingerNanoseconds: UInt64
    let tickNanoseconds: UInt64

    var connections: [HTTPConnection?] = []
    var connectionCount = 0
    var nextConnectionID: UInt64 = 1
    var encoder = HTTPResponseEncoder()
    var readBuffer = [UInt8](repeating: 0, count: 65536)
    var now: UInt64
    /// When the current `epoll_wait` returned.
    var wakeTime: UInt64 = 0
    var nextSweep: UInt64 = 0
    var isStopping = false
    var stopDeadline: UInt64 = .max
    var isListenerPaused = false
    var listenerResumeAt: UInt64 = 0

    init(
        configuration: HTTPServerConfiguration, router: Router, metrics: HTTPMetrics?, logger: Logger,
        mailbox: HTTPLoopMailbox, listener: FileDescriptor
    ) throws(SocketError) {
        self.configuration = configuration
        self.router = router
        self.metrics = metrics
        self.logger = logger
        self.mailbox = mailbox
        self.listener = listener
        self.limits = configuration.parserLimits
        self.idleTimeoutNanoseconds = max(configuration.idleTimeout.clampedNanoseconds, 1_000_000)
        self.requestTimeoutNanoseconds = max(configuration.requestTimeout.clampedNanoseconds, 1_000_000)
        self.lingerNanoseconds = min(idleTimeoutNanoseconds, 2_000_000_000)
        let shortest = min(idleTimeoutNanoseconds, requestTimeoutNanoseconds)
        self.tickNanoseconds = min(max(shortest / 8, 5_000_000), 250_000_000)
        self.now = MonotonicClock.nanoseconds()
        self.epoll = try Epoll()
        try epoll.add(listener.rawValue, .readable, token: Self.listenerToken)
        try epoll.add(mailbox.wakeup.descriptor.rawValue, .readable, token: Self.wakeupToken)
    }

    /// Runs until stopped and every connection is closed (or the stop deadline passes).
    func run() {
        nextSweep = now + tickNanoseconds
        while true {
            let waitNanoseconds = nextSweep > now ? nextSweep - now : 0
            let timeoutMs = Duration.nanoseconds(Int64(clamping: waitNanoseconds)).timeoutMilliseconds(atMost: 1000)
            do {
                var isFirstEvent = true
                _ = try epoll.wait(timeoutMs: timeoutMs) { token, events in
                    now = MonotonicClock.nanoseconds()
                    if isFirstEvent {
                        wakeTime = now
                        isFirstEvent = false
                    }
                    handle(token: token, events: events)
                }
            } catch {
                logger.error("HTTP event loop failed", metadata: ["error": "\(error)"])
                break
            }
            now = MonotonicClock.nanoseconds()
            if now >= nextSweep {
                sweep()
                nextSweep = now + tickNanoseconds
            }
            if isStopping && (connectionCount == 0 || now >= stopDeadline) { break }
        }
        closeEverything()
    }

    private func handle(token: UInt64, events: Epoll.Events) {
        switch token {
        case Self.listenerToken:
            acceptConnections()
        case Self.wakeupToken:
            for message in mailbox.takeAll() { receive(message) }
        default:
            let fd = Int(token)
            guard fd < connections.count, let connection = connections[fd] else { return }
            if !events.isDisjoint(with: [.readable, .hangup, .error]) { readAvailable(connection) }
            if events.contains(.writable), connections[fd] === connection {
                flush(connection)
                // Parsing may have paused on a full output buffer: resume it.
                if connections[fd] === connection, connection.parser.hasBufferedBytes { processInput(connection) }
            }
        }
    }

    private func receive(_ message: HTTPLoopMailbox.Message) {
        switch message {
        case .response(let fd, let connectionID, let sequence, let response):
            completeAsync(fd: fd, connectionID: connectionID, sequence: sequence, response: response)
        case .stop(let isGraceful):
            beginStop(isGraceful: isGraceful)
        }
    }

    // MARK: Accepting

    private func acceptConnections() {
        for _ in 0..<128 {
            let fd: Int32
            do throws(SocketError) {
                guard let accepted = try Socket.accept(listener.rawValue) else { return }
                fd = accepted
            } catch {
                handleAcceptError(error)
                return
            }
            let descriptor = FileDescriptor(owning: fd)
            if connectionCount >= configuration.maxConnections || isStopping {
                reject(descriptor)
                continue
            }
            Socket.setNoDelay(fd)
            let connection = HTTPConnection(descriptor: descriptor, id: nextConnectionID, limits: limits, now: now)
            nextConnectionID += 1
            do throws(SocketError) {
                try epoll.add(fd, .readable, token: UInt64(fd))
            } catch {
                logger.warning("cannot watch an accepted HTTP connection", metadata: ["error": "\(error)"])
                descriptor.close()
                continue
            }
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count + 64))
            }
            connections[Int(fd)] = connection
            connectionCount += 1
            metrics?.connectionOpened()
        }
    }

    private static let overloadResponse = Array(
        ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 76\r\n"
            + "Connection: close\r\n\r\n"
            + #"{"error":"too_many_connections","message":"connection limit reached, retry"}"#).utf8)

    /// Over the connection cap: best-effort 503, then close.
    private func reject(_ descriptor: FileDescriptor) {
        metrics?.connectionRejected()
        _ = Self.overloadResponse.withUnsafeBytes { bytes in try? Socket.send(descriptor.rawValue, bytes) }
        descriptor.close()
    }

    private func handleAcceptError(_ error: SocketError) {
        if case .systemCall(_, let code) = error, code == ECONNABORTED { return }
        logger.warning("accept failed; pausing accepts for 100 ms", metadata: ["error": "\(error)"])
        pauseListener()
    }

    private func pauseListener() {
        guard !isListenerPaused, !listener.isClosed else { return }
        isListenerPaused = true
        listenerResumeAt = now + 100_000_000
        try? epoll.modify(listener.rawValue, [], token: Self.listenerToken)
    }

    // MARK: Timers

    /// Runs every tick: idle and slow-client timeouts, lingering closes, accept resumption.
    private func sweep() {
        if isListenerPaused && now >= listenerResumeAt && !listener.isClosed {
            isListenerPaused = false
            try? epoll.modify(listener.rawValue, .readable, token: Self.listenerToken)
        }
        for case let connection? in connections {
            switch connection.phase {
            case .lingering(let until):
                if now >= until { close(connection) }
                continue
            case .open, .closingAfterFlush:
                break
            }
            let quietFor = now &- connection.lastActivityNanoseconds
            if connection.hasPendingOutput {
                if quietFor > idleTimeoutNanoseconds { close(connection) }  // the client stopped reading
            } else if !connection.slots.isEmpty {
                continue  // a handler is running
            } else if let started = connection.requestStartNanoseconds, connection.parser.hasBufferedBytes {
                if now &- started > requestTimeoutNanoseconds { timeOutRequest(connection) }
            } else if quietFor > idleTimeoutNanoseconds {
                close(connection)
            }
        }
    }

    // MARK: Stopping

    private func beginStop(isGraceful: Bool) {
        if !isStopping {
            isStopping = true
            stopDeadline = now + configuration.shutdownTimeout.clampedNanoseconds
            epoll.remove(listener.rawValue)
            listener.close()
        }
        if !isGraceful { stopDeadline = now }
        for case let connection? in connections
        where !isGraceful || (connection.slots.isEmpty && !connection.hasPendingOutput) {
            close(connection)
        }
    }

    private func closeEverything() {
        for case let connection? in connections { close(connection) }
        if !listener.isClosed {
            epoll.remove(listener.rawValue)
            listener.close()
        }
        epoll.descriptor.close()
    }
}
