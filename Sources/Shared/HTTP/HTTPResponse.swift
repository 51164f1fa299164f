/// An HTTP response. The server always adds `Content-Length` (and `Date`, `Connection` as needed);
/// for `HEAD` it sends the headers of the `GET` response without the body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a UTF-8 body and the given content type.
    public static func text(
        _ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8"
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// A response with an already-serialized JSON body.
    public static func json(_ status: Int, _ json: String) -> HTTPResponse {
        text(status, json, contentType: "application/json")
    }
}
