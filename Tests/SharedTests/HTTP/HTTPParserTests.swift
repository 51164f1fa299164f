@testable import SharedHTTP
import Testing


@Suite struct HTTPParserTests {
    /// Feeds `text` and collects results until more data is needed or parsing failed.
    private func parseAll(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> [HTTPParser.Result] {
        var parser = HTTPParser(limits: limits)
        parser.append(Array(text.utf8))
        var results: [HTTPParser.Result] = []
        while true {
            let result = parser.next()
            results.append(result)
            switch result {
            case .request: continue
            case .needMoreData, .failure: return results
            }
        }
    }

    private func failure(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> HTTPParseError? {
        if case .failure(let error) = parseAll(text, limits: limits).last { return error }
        return nil
    }

    private func requests(_ results: [HTTPParser.Result]) -> [(HTTPRequest, Bool)] {
        results.compactMap { if case .request(let r, let k) = $0 { return (r, k) } else { return nil } }
    }

    @Test func simpleGet() throws {
        let results = parseAll("GET /metrics?verbose&x=1 HTTP/1.1\r\nHost: a\r\nAccept:  */* \r\n\r\n")
        let (request, keepAlive) = try #require(requests(results).first)
        #expect(request.method == "GET")
        #expect(request.path == "/metrics")
        #expect(request.query == "verbose&x=1")
        #expect(request.version == .http11)
        #expect(request.header("accept") == "*/*")
        #expect(request.header("HOST") == "a")
        #expect(keepAlive)
        guard case .needMoreData = results.last else { Issue.record("expected needMoreData"); return }
    }

    @Test func postBodyByContentLength() throws {
        let results = parseAll("POST /v1/orders:batch HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
        let (request, _) = try #require(requests(results).first)
        #expect(request.path == "/v1/orders:batch")
        #expect(request.body == Array("hello".utf8))
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let text = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\n\r\n"
        let parsed = requests(parseAll(text))
        #expect(parsed.map(\.0.path) == ["/a", "/b", "/c"])
        #expect(parsed[1].0.body == Array("hi".utf8))
    }

    @Test func byteByByteFeedingGivesTheSameRequests() {
        let text = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.0\r\n\r\n"
        var parser = HTTPParser()
        var paths: [String] = []
        for byte in text.utf8 {
            parser.append([byte])
            while case .request(let request, _) = parser.next() { paths.append(request.path) }
        }
        #expect(paths == ["/a", "/b", "/c"])
        #expect(!parser.hasBufferedBytes)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: a\r",
        "GET / HTTP/1.1\r\nHost: a\r\n",
        "GET / HTTP/1.1\r\n",
        "GET / HTT",
        "G",
        "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
    ])
    func truncatedInputNeedsMoreData(_ text: String) {
        let results = parseAll(text)
        #expect(results.count == 1)
        guard case .needMoreData = results[0] else {
            Issue.record("expected needMoreData for \(text.debugDescription), got \(results[0])")
            return
        }
    }

    @Test func keepAliveRules() {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ]
        for (text, expected) in cases {
            #expect(requests(parseAll(text)).first?.1 == expected, "\(text.debugDescription)")
        }
    }

    @Test func leadingEmptyLinesAreSkipped() {
        #expect(requests(parseAll("\r\n\r\nGET /x HTTP/1.1\r\n\r\n")).first?.0.path == "/x")
    }

    @Test func absoluteFormTargetIsReducedToThePath() {
        let request = requests(parseAll("GET http://example.com:8080/ready?verbose HTTP/1.1\r\n\r\n")).first?.0
        #expect(request?.path == "/ready")
        #expect(request?.query == "verbose")
    }

    @Test func missingHostOnHTTP11IsTolerated() {
        #expect(requests(parseAll("GET / HTTP/1.1\r\n\r\n")).count == 1)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1 extra\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\n\r\n", 400),
        ("GET /\r\n\r\n", 400),
        ("GET\r\n\r\n", 400),
        (" GET / HTTP/1.1\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\n\r\n", 400),
        ("GET nopath HTTP/1.1\r\n\r\n", 400),
        ("GET /a\u{7}b HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTX/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\n\n", 400),
        ("GET / http/1.1\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\n\r\n", 505),
        ("GET / HTTP/0.9\r\n\r\n", 505),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHo st: a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n: a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nX-A: a\u{0}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nX-A: 1\nX-B: 2\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab", 400),
        ("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 501),
    ] as [(String, Int)])
    func malformedRequestsAreRejected(_ text: String, _ status: Int) {
        #expect(failure(text)?.status == status, "\(text.debugDescription)")
    }

    @Test func requestLineLimitGives414EvenBeforeTheLineEnds() {
        let limits = HTTPParserLimits(maxRequestLineBytes: 32)
        let long = "GET /" + String(repeating: "a", count: 40)
        #expect(failure(long, limits: limits)?.status == 414)
        #expect(failure(long + " HTTP/1.1\r\n\r\n", limits: limits)?.status == 414)
        #expect(requests(parseAll("GET /" + String(repeating: "a", count: 18) + " HTTP/1.1\r\n\r\n", limits: limits)).count == 1)
    }

    @Test func headerCountLimitGives431() {
        let limits = HTTPParserLimits(maxHeaderCount: 3)
        let three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        let four = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
        #expect(requests(parseAll(three, limits: limits)).count == 1)
        #expect(failure(four, limits: limits)?.status == 431)
    }

    @Test func headerBytesLimitGives431EvenWhileHeadersStillArrive() {
        let limits = HTTPParserLimits(maxHeaderBytes: 64)
        let big = "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "v", count: 100)
        #expect(failure(big, limits: limits)?.status == 431)
        #expect(failure(big + "\r\n\r\n", limits: limits)?.status == 431)
        let many = "GET / HTTP/1.1\r\n" + String(repeating: "X-A: 123456789\r\n", count: 5) + "\r\n"
        #expect(failure(many, limits: limits)?.status == 431)
    }

    @Test func bodyLimitGives413BeforeTheBodyArrives() {
        let limits = HTTPParserLimits(maxBodyBytes: 10)
        #expect(failure("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits: limits)?.status == 413)
        #expect(requests(parseAll("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits)).count == 1)
    }

    @Test func failureIsSticky() {
        var parser = HTTPParser()
        parser.append(Array("BAD\r\n\r\nGET / HTTP/1.1\r\n\r\n".utf8))
        guard case .failure = parser.next(), case .failure = parser.next() else {
            Issue.record("expected the failure to repeat")
            return
        }
        #expect(parser.hasFailed)
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("GET /HTTP1.\r\n: \t\u{0}aZ-Content-Length0123456789?#".utf8) + [0xFF, 0x80, 0x7F]
        for _ in 0..<2000 {
            var parser = HTTPParser(limits: HTTPParserLimits(maxRequestLineBytes: 64, maxHeaderBytes: 128, maxHeaderCount: 4, maxBodyBytes: 16))
            let length = Int.random(in: 0..<300, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            parser.append(bytes)
            var steps = 0
            while case .request = parser.next(), steps < 100 { steps += 1 }
            #expect(steps < 100)
        }
        var parser = HTTPParser()
        parser.append(Array("GET / HTTP/1.1\r\nX: \u{FF}\r\n\r\n".utf8))
        guard case .request = parser.next() else { Issue.record("obs-text values are allowed"); return }
    }
}
