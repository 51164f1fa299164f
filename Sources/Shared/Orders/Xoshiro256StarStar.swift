/// xoshiro256** (Blackman & Vigna 2018): a fast, seedable `RandomNumberGenerator` with 256 bits
/// of state and a period of 2^256 − 1; the order generator's and the trace ids' random source.
///
/// Seeded once from the system generator (`init()`: 256 bits from `getrandom`), then a draw is a
/// few shifts and multiplies instead of a system call. Trace ids made from it are unique within
/// a process (no output pair repeats within the period) and, with 256 random seed bits, across
/// processes and restarts in practice; they are statistically random but not unpredictable to
/// someone who sees many of them, which is all a W3C trace id needs (it travels in clear in
/// headers and logs and is not a secret). Not for secrets: use `SystemRandomNumberGenerator`.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// Uses `state` as is; it must not be all zeros (that state never leaves zero).
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// Deterministic for `seed` (expanded with SplitMix64, as the authors recommend): for tests.
    public init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        self.init(state: (mix.next(), mix.next(), mix.next(), mix.next()))
    }

    /// Seeded with 256 bits from the system generator (as `SplitMix64()` explains, not through a
    /// `SystemRandomNumberGenerator` of our own).
    public init() {
        let word = { UInt64.random(in: .min ... .max) }
        self.init(state: (word(), word(), word(), word()))
    }

    @inline(__always)
    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }
}
