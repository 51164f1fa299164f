/// The `producer.auth_token` check for `Authorization: Bearer <token>`.
///
/// The comparison takes the same time whatever the submitted value's content (it always walks
/// the whole expected token and folds the length difference in), so response timing does not
/// reveal how many leading bytes matched.
struct BearerToken: Sendable {
    private let expected: [UInt8]

    init(_ token: String) {
        expected = Array(token.utf8)
    }

    /// True when `authorization` is `Bearer <token>` (scheme case-insensitive, one or more spaces).
    func accepts(authorization: String?) -> Bool {
        guard let authorization else { return false }
        let bytes = Array(authorization.utf8)
        guard bytes.count > 7, String(decoding: bytes[0..<6], as: UTF8.self).lowercased() == "bearer",
            bytes[6] == UInt8(ascii: " ")
        else { return false }
        var start = 7
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        return Self.constantTimeEquals(Array(bytes[start...]), expected)
    }

    /// Compares without an early exit: every byte of `expected` is visited.
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt64(truncatingIfNeeded: given.count ^ expected.count)
        for index in 0..<expected.count {
            let other = index < given.count ? given[index] : ~expected[index]
            difference |= UInt64(other ^ expected[index])
        }
        return difference == 0 && !expected.isEmpty
    }
}
