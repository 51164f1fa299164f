@testable import SharedHTTP
import Testing


@Suite struct SocketAddressTests {
    @Test func parsesIPv4AndIPv6Literals() throws {
        let v4 = try SocketAddress(host: "127.0.0.1", port: 8080)
        #expect(v4.family == .ipv4)
        #expect(v4.description == "127.0.0.1:8080")
        let v6 = try SocketAddress(host: "[0:0::1]", port: 0)
        #expect(v6.family == .ipv6)
        #expect(v6.host == "::1")
        #expect(v6.description == "[::1]:0")
        #expect(try SocketAddress(host: "::", port: 1).family == .ipv6)
    }

    @Test(arguments: [("localhost", 80), ("1.2.3", 80), ("127.0.0.1", 65536), ("127.0.0.1", -1), ("", 80)])
    func rejectsNonLiteralsAndBadPorts(_ host: String, _ port: Int) {
        #expect(throws: SocketError.self) { _ = try SocketAddress(host: host, port: port) }
    }

    @Test func listenerOnIPv6LoopbackReportsItsEphemeralPort() throws {
        let listener = try Socket.makeListener(address: SocketAddress(host: "::1", port: 0))
        let bound = try Socket.localAddress(listener.rawValue)
        #expect(bound.family == .ipv6)
        #expect(bound.port > 0)
        listener.close()
        #expect(listener.isClosed)
        listener.close()  // idempotent
    }

    @Test func errorsNameTheCallAndErrno() throws {
        let first = try Socket.makeListener(address: SocketAddress(host: "127.0.0.1", port: 0))
        let port = try Socket.localAddress(first.rawValue).port
        #expect {
            _ = try Socket.makeListener(address: SocketAddress(host: "127.0.0.1", port: port))
        } throws: { error in
            guard case SocketError.systemCall(let name, let code) = error else { return false }
            return name == "bind" && code == 98 && "\(error)".contains("bind failed")
        }
    }
}
