@testable import ProducerService
import Testing

@Suite struct BearerTokenTests {
    @Test func acceptsOnlyTheExactTokenWithTheBearerScheme() {
        let token = BearerToken("abc123")
        #expect(token.accepts(authorization: "Bearer abc123"))
        #expect(token.accepts(authorization: "bearer  abc123"))
        #expect(!token.accepts(authorization: nil))
        #expect(!token.accepts(authorization: "Bearer abc12"))
        #expect(!token.accepts(authorization: "Bearer abc1234"))
        #expect(!token.accepts(authorization: "Bearer abc124"))
        #expect(!token.accepts(authorization: "Basic abc123"))
        #expect(!token.accepts(authorization: "Bearer "))
        #expect(!token.accepts(authorization: "abc123"))
        #expect(!BearerToken("").accepts(authorization: "Bearer "))
    }

    @Test func constantTimeEqualsComparesLengthAndEveryByte() {
        #expect(BearerToken.constantTimeEquals(Array("xyz".utf8), Array("xyz".utf8)))
        #expect(!BearerToken.constantTimeEquals(Array("xyZ".utf8), Array("xyz".utf8)))
        #expect(!BearerToken.constantTimeEquals([], Array("xyz".utf8)))
        #expect(!BearerToken.constantTimeEquals(Array("xyzz".utf8), Array("xyz".utf8)))
    }
}
