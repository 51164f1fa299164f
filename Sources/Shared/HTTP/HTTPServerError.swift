/// Errors of `HTTPServer.run()` and `waitUntilListening()`.
enum HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// Binding or listening on the configured address failed.
    case listenFailed(address: String, underlying: SocketError)
    /// The event loop could not be set up (epoll, eventfd).
    case eventLoopFailed(SocketError)
    /// `run()` was called twice, or the server stopped before it was listening.
    case notRunning(String)

    var description: String {
        switch self {
        case .listenFailed(let address, let underlying):
            "cannot listen on \(address): \(underlying); check http.host/http.port"
        case .eventLoopFailed(let underlying):
            "cannot start the HTTP event loop: \(underlying)"
        case .notRunning(let why):
            "the HTTP server is not running: \(why)"
        }
    }
}
