@testable import SharedOrders
import Testing

@Suite struct Xoshiro256StarStarTests {
    @Test func matchesTheReferenceImplementation() {
        // The first outputs of the authors' xoshiro256starstar.c for the state {1, 2, 3, 4}.
        var rng = Xoshiro256StarStar(state: (1, 2, 3, 4))
        let expected: [UInt64] = [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360]
        #expect((0..<5).map { _ in rng.next() } == expected)
    }

    @Test func seedsReplayAndDiffer() {
        var a = Xoshiro256StarStar(seed: 42), b = Xoshiro256StarStar(seed: 42), c = Xoshiro256StarStar(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        var zero = Xoshiro256StarStar(state: (0, 0, 0, 0))  // the one bad state is avoided
        #expect((0..<4).map { _ in zero.next() }.contains { $0 != 0 })
    }

    @Test func systemSeededGeneratorsDiffer() {
        var a = Xoshiro256StarStar(), b = Xoshiro256StarStar()
        #expect((0..<4).map { _ in a.next() } != (0..<4).map { _ in b.next() })
    }

    /// A coarse sanity check of the bits: over 16 000 draws each bit is set about half the time.
    @Test func bitsAreBalanced() {
        var rng = Xoshiro256StarStar(seed: 7)
        var ones = [Int](repeating: 0, count: 64)
        let draws = 16_000
        for _ in 0..<draws {
            let v = rng.next()
            for bit in 0..<64 where v >> UInt64(bit) & 1 == 1 { ones[bit] += 1 }
        }
        #expect(ones.allSatisfy { abs($0 - draws / 2) < 600 }, "\(ones)")
    }
}
