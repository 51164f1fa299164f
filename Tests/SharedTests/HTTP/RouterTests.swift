@testable import SharedHTTP
import Testing


@Suite struct RouterTests {
    private func makeRouter() -> Router {
        let router = Router()
        router.add("GET", "/health") { _ in .json(200, #"{"status":"ok"}"#) }
        router.add("POST", "/v1/orders:batch") { (request: HTTPRequest) async -> HTTPResponse in
            await Task.yield()
            return HTTPResponse(status: 202, body: request.body)
        }
        router.add("post", "/v1/orders") { request in HTTPResponse(status: 201, body: request.body) }
        router.add("PUT", "/inline", inline: { request in
            request.body.isEmpty ? .response(HTTPResponse(status: 204)) : .suspend { HTTPResponse(status: 202, body: request.body) }
        })
        return router
    }

    @Test func inlineHandlersAnswerInMemoryBothWays() async {
        let router = makeRouter()
        guard case .inline = router.match(method: "PUT", path: "/inline").handler else {
            Issue.record("add(_:_:inline:) registers an inline handler")
            return
        }
        let (route, now) = await router.handle(HTTPRequest(method: "PUT", path: "/inline"))
        #expect(route == "/inline" && now.status == 204)
        let (_, later) = await router.handle(HTTPRequest(method: "PUT", path: "/inline", body: [7]))
        #expect(later.status == 202 && later.body == [7])
    }

    @Test func exactPathWithColonMatches() async {
        let (route, response) = await makeRouter().handle(HTTPRequest(method: "POST", path: "/v1/orders:batch", body: [1, 2]))
        #expect(route == "/v1/orders:batch")
        #expect(response.status == 202)
        #expect(response.body == [1, 2])
    }

    @Test func syncAndAsyncOverloadsAreChosen() {
        let router = makeRouter()
        guard case .sync = router.match(method: "GET", path: "/health").handler else {
            Issue.record("a closure without await registers as sync")
            return
        }
        guard case .async = router.match(method: "POST", path: "/v1/orders:batch").handler else {
            Issue.record("an async closure registers as async")
            return
        }
        #expect(router.match(method: "POST", path: "/v1/orders").route == "/v1/orders")
    }

    @Test func unknownPathIs404JSONWithRouteOther() async {
        let (route, response) = await makeRouter().handle(HTTPRequest(method: "GET", path: "/nope"))
        #expect(route == Router.unmatchedRoute)
        #expect(response.status == 404)
        #expect(response.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""error":"not_found""#))
    }

    @Test func wrongMethodIs405WithAllow() async {
        let (route, response) = await makeRouter().handle(HTTPRequest(method: "DELETE", path: "/health"))
        #expect(route == "/health")
        #expect(response.status == 405)
        #expect(response.headers.first { $0.name == "Allow" }?.value == "GET, HEAD")
        let (_, post) = await makeRouter().handle(HTTPRequest(method: "GET", path: "/v1/orders"))
        #expect(post.status == 405)
        #expect(post.headers.first { $0.name == "Allow" }?.value == "POST")
    }

    @Test func getImpliesHead() async {
        let (route, response) = await makeRouter().handle(HTTPRequest(method: "HEAD", path: "/health"))
        #expect(route == "/health")
        #expect(response.status == 200)
    }

    @Test func pathMatchIsExact() async {
        let router = makeRouter()
        #expect(await router.handle(HTTPRequest(method: "GET", path: "/health/")).response.status == 404)
        #expect(await router.handle(HTTPRequest(method: "GET", path: "/HEALTH")).response.status == 404)
    }
}
