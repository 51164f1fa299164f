import Synchronization

/// An HTTP handler that may suspend; it runs in a Task and its response is posted back to the
/// server's event loop.
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

/// An HTTP handler that never blocks; it runs inline on the server's event-loop thread
/// (use for cheap endpoints such as `/metrics` and `/health`).
public typealias HTTPSyncHandler = @Sendable (HTTPRequest) -> HTTPResponse

/// An HTTP handler that answers inline on the event-loop thread when it can do so without
/// blocking, and otherwise hands the rest of its work back as an async continuation (to wait for
/// room in a queue, or for an acknowledgement). The common case then costs no thread hop.
public typealias HTTPInlineHandler = @Sendable (HTTPRequest) -> HTTPInlineResult

/// What an `HTTPInlineHandler` did with a request.
public enum HTTPInlineResult: Sendable {
    /// Answered at once.
    case response(HTTPResponse)
    /// The rest runs in a Task, like an `HTTPHandler`, and its response is posted back.
    case suspend(@Sendable () async -> HTTPResponse)

    /// The response, awaiting the continuation if there is one (tests, in-memory use).
    public func response() async -> HTTPResponse {
        switch self {
        case .response(let response): response
        case .suspend(let rest): await rest()
        }
    }
}

/// A registered handler: synchronous, asynchronous, or inline with an async fallback.
enum HTTPRouteHandler: Sendable {
    case sync(HTTPSyncHandler)
    case async(HTTPHandler)
    case inline(HTTPInlineHandler)

    /// Runs the handler from async code (tests, in-memory use).
    func callAsFunction(_ request: HTTPRequest) async -> HTTPResponse {
        switch self {
        case .sync(let handler): handler(request)
        case .async(let handler): await handler(request)
        case .inline(let handler): await handler(request).response()
        }
    }
}

/// The outcome of routing: the handler to run and the route label for metrics.
public struct RouteMatch: Sendable {
    /// The registered path pattern, or `Router.unmatchedRoute` for unknown paths.
    let route: String
    let handler: HTTPRouteHandler
}

/// Exact-path router. Paths may contain `:` (`/v1/orders:batch`); `GET` also answers `HEAD`;
/// unknown paths get 404 JSON, a known path with another method 405 with `Allow`.
public final class Router: Sendable {
    /// The metrics route label for requests that matched no path.
    static let unmatchedRoute = "other"

    private struct Entry {
        var handlers: [String: HTTPRouteHandler] = [:]
        var allow = ""
    }

    private let routes = Mutex<[String: Entry]>([:])

    public init() {}

    /// Registers a synchronous handler (runs inline on the event loop: must not block).
    public func add(_ method: String, _ path: String, _ handler: @escaping HTTPSyncHandler) {
        register(method, path, .sync(handler))
    }

    /// Registers an asynchronous handler.
    public func add(_ method: String, _ path: String, _ handler: @escaping HTTPHandler) {
        register(method, path, .async(handler))
    }

    /// Registers an inline handler (runs on the event loop, must not block; may continue async).
    public func add(_ method: String, _ path: String, inline handler: @escaping HTTPInlineHandler) {
        register(method, path, .inline(handler))
    }

    private func register(_ method: String, _ path: String, _ handler: HTTPRouteHandler) {
        let method = method.uppercased()
        routes.withLock { routes in
            var entry = routes[path] ?? Entry()
            entry.handlers[method] = handler
            var methods = Set(entry.handlers.keys)
            if methods.contains("GET") { methods.insert("HEAD") }
            entry.allow = methods.sorted().joined(separator: ", ")
            routes[path] = entry
        }
    }

    /// Finds the handler for a method and path (404/405 handlers when nothing matches).
    public func match(method: String, path: String) -> RouteMatch {
        let found: (HTTPRouteHandler?, String)? = routes.withLock { routes in
            guard let entry = routes[path] else { return nil }
            if let handler = entry.handlers[method] { return (handler, entry.allow) }
            if method == "HEAD", let handler = entry.handlers["GET"] { return (handler, entry.allow) }
            return (nil, entry.allow)
        }
        guard let found else {
            return RouteMatch(route: Self.unmatchedRoute, handler: .sync(Self.notFound))
        }
        if let handler = found.0 { return RouteMatch(route: path, handler: handler) }
        let allow = found.1
        return RouteMatch(route: path, handler: .sync { request in Self.methodNotAllowed(request, allow: allow) })
    }

    /// Routes and runs a request in memory (no server): the route label and the response.
    public func handle(_ request: HTTPRequest) async -> (route: String, response: HTTPResponse) {
        let match = match(method: request.method, path: request.path)
        return (match.route, await match.handler(request))
    }

    private static func notFound(_ request: HTTPRequest) -> HTTPResponse {
        .json(404, #"{"error":"not_found","message":"# + JSONText.quoted("no route for \(request.path)") + "}")
    }

    private static func methodNotAllowed(_ request: HTTPRequest, allow: String) -> HTTPResponse {
        let allowed = allow.split(separator: ", ").map { JSONText.quoted(String($0)) }.joined(separator: ",")
        var response = HTTPResponse.json(
            405,
            #"{"error":"method_not_allowed","message":"#
                + JSONText.quoted("\(request.method) is not allowed on \(request.path)")
                + #","allowed":[\#(allowed)]}"#)
        response.headers.append(("Allow", allow))
        return response
    }
}
