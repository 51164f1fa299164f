import SharedCore
import Logging
import ServiceLifecycle
import Synchronization

/// An HTTP/1.1 server on raw POSIX sockets: one epoll event loop on a dedicated thread,
/// keep-alive, pipelining, HEAD, bodies with Content-Length, idle and slow-client timeouts,
/// a connection cap, and graceful stop (stop accepting, finish in-flight requests within
/// `shutdownTimeout`, close).
///
/// Synchronous handlers run inline on the loop thread; async handlers run in a Task and post
/// their response back to the loop. Run it in a `ServiceGroup`, or call `run()` in a task and
/// cancel it.
public final class HTTPServer: Service, Sendable {
    private enum ListenState {
        case notStarted
        case listening(SocketAddress)
        case finished(HTTPServerError)
    }

    private struct State {
        var listen = ListenState.notStarted
        var hasRun = false
        var waiters: [CheckedContinuation<Int, any Error>] = []
    }

    public let configuration: HTTPServerConfiguration
    private let router: Router
    private let metrics: HTTPMetrics?
    private let logger: Logger
    private let state = Mutex(State())

    public init(
        configuration: HTTPServerConfiguration, router: Router, metrics: HTTPMetrics? = nil,
        logger: Logger = Logger(label: "kafkatrace.http")
    ) {
        self.configuration = configuration
        self.router = router
        self.metrics = metrics
        self.logger = logger
    }

    /// Binds, serves until graceful shutdown or cancellation, then returns once every
    /// connection is closed. Throws `HTTPServerError` when it cannot listen.
    public func run() async throws {
        let alreadyRan = state.withLock { state in
            defer { state.hasRun = true }
            return state.hasRun
        }
        if alreadyRan { throw HTTPServerError.notRunning("run() may be called only once") }
        Socket.ignoreSIGPIPE()
        let listener: FileDescriptor
        let bound: SocketAddress
        let mailbox: HTTPLoopMailbox
        do {
            (listener, bound, mailbox) = try setUp()
        } catch {
            finish(error)
            throw error
        }
        let loopResult: Result<Void, HTTPServerError> = await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await runLoop(listener: listener, mailbox: mailbox, bound: bound)
            } onCancel: {
                mailbox.post(.stop(isGraceful: false))
            }
        } onGracefulShutdown: {
            mailbox.post(.stop(isGraceful: true))
        }
        finish(.notRunning("the server has stopped"))
        try loopResult.get()
        logger.info("HTTP server stopped", metadata: ["address": "\(bound)"])
    }

    /// The bound TCP port (useful with port 0), once the server is listening.
    /// Throws when the server failed to listen or has stopped.
    func waitUntilListening() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let immediate: Result<Int, HTTPServerError>? = state.withLock { state in
                switch state.listen {
                case .listening(let address): return .success(address.port)
                case .finished(let error): return .failure(error)
                case .notStarted:
                    state.waiters.append(continuation)
                    return nil
                }
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    private func setUp() throws(HTTPServerError) -> (FileDescriptor, SocketAddress, HTTPLoopMailbox) {
        let address: SocketAddress
        do {
            address = try SocketAddress(host: configuration.host, port: configuration.port)
        } catch {
            throw .listenFailed(address: "\(configuration.host):\(configuration.port)", underlying: error)
        }
        let listener: FileDescriptor
        let bound: SocketAddress
        do {
            listener = try Socket.makeListener(address: address)
            bound = try Socket.localAddress(listener.rawValue)
        } catch {
            throw .listenFailed(address: address.description, underlying: error)
        }
        do {
            return (listener, bound, try HTTPLoopMailbox())
        } catch {
            listener.close()
            throw .eventLoopFailed(error)
        }
    }

    private func runLoop(
        listener: FileDescriptor, mailbox: HTTPLoopMailbox, bound: SocketAddress
    ) async -> Result<Void, HTTPServerError> {
        let configuration = configuration
        let router = router
        let metrics = metrics
        let logger = logger
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, HTTPServerError>, Never>) in
            OSThread.detach(name: "kafkatrace-http") { [self] in
                let loop: HTTPEventLoop
                do throws(SocketError) {
                    loop = try HTTPEventLoop(
                        configuration: configuration, router: router, metrics: metrics, logger: logger,
                        mailbox: mailbox, listener: listener)
                } catch {
                    listener.close()
                    continuation.resume(returning: .failure(.eventLoopFailed(error)))
                    return
                }
                self.markListening(bound)
                logger.info("HTTP server listening", metadata: ["address": "\(bound)"])
                loop.run()
                continuation.resume(returning: .success(()))
            }
        }
    }

    private func markListening(_ address: SocketAddress) {
        let waiters = state.withLock { state in
            state.listen = .listening(address)
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: address.port) }
    }

    private func finish(_ error: HTTPServerError) {
        let waiters = state.withLock { state in
            state.listen = .finished(error)
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
