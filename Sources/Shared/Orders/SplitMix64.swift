/// SplitMix64: a tiny, fast, seedable `RandomNumberGenerator` (Steele, Lea & Flood 2014).
/// Deterministic for a seed, so tests can replay generated orders; not for secrets.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// Seeded from the system generator, through the standard library's own default generator:
    /// a local `SystemRandomNumberGenerator` (zero-sized) passed `inout` is a modifying access of
    /// one global address, which ThreadSanitizer reports as a race between any two threads doing
    /// it (swiftlang/swift#66099). So no code of ours holds one; it asks for a seeded generator.
    public init() {
        state = UInt64.random(in: .min ... .max)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
