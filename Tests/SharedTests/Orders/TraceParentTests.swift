@testable import SharedOrders
import Testing

@Suite struct TraceParentTests {
    static let sample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func parsesTheSpecExample() throws {
        let t = try TraceParent(parsing: Self.sample)
        #expect(t.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(t.spanID == "00f067aa0ba902b7")
        #expect(t.isSampled)
        #expect(t.description == Self.sample)
        #expect(try TraceParent(parsing: Array(Self.sample.utf8)) == t)
        let unsampled = try TraceParent(parsing: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
        #expect(!unsampled.isSampled)
    }

    @Test func acceptsFutureVersionsWithExtraFields() throws {
        let t = try TraceParent(parsing: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds")
        #expect(t.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(t.description.hasPrefix("00-"))
    }

    @Test func rejectsInvalidValues() {
        let bad = [
            "", "00", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",
            "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ]
        for text in bad {
            #expect(throws: OrderError.self, "\(text)") { try TraceParent(parsing: text) }
        }
        #expect(throws: OrderError.self) { try TraceParent(parsing: [0xFF, 0xFE]) }
        #expect(throws: OrderError.self) { try TraceParent(traceIDHigh: 0, traceIDLow: 0, parentID: 1) }
        #expect(throws: OrderError.self) { try TraceParent(traceIDHigh: 1, traceIDLow: 0, parentID: 0) }
    }

    @Test func generatesValidUniqueValues() throws {
        var rng = SplitMix64(seed: 11)
        var traces = Set<String>()
        for _ in 0..<500 {
            let t = TraceParent.generate(using: &rng)
            let text = t.description
            #expect(text.utf8.count == 55)
            #expect(text.hasPrefix("00-") && text.hasSuffix("-01"))
            #expect(try TraceParent(parsing: text) == t)
            traces.insert(t.traceID)
            let child = t.child(using: &rng)
            #expect(child.traceID == t.traceID && child.parentID != t.parentID)
        }
        #expect(traces.count == 500)
        #expect(try TraceParent(parsing: TraceParent.generate().description).isSampled)
    }

    /// A generator stuck on zero still never yields an all-zero id.
    @Test func generationSkipsZeroIDs() {
        struct ZeroThenCount: RandomNumberGenerator {
            var n: UInt64 = 0
            mutating func next() -> UInt64 {
                defer { n += 1 }
                return n < 4 ? 0 : n
            }
        }
        var rng = ZeroThenCount()
        let t = TraceParent.generate(using: &rng)
        #expect(t.traceIDHigh != 0 || t.traceIDLow != 0)
        #expect(t.parentID != 0)
    }
}
