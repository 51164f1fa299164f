/// What one fuzz input did: whether the code under test accepted it, and every oracle it broke.
///
/// The harnesses in this module are shared by the libFuzzer entries (`Fuzz/targets/<target>/`,
/// which trap on a violation so libFuzzer saves the input) and `FuzzRegressionTests` (which
/// replays the corpus and the regressions and expects no violation). No daemon links this module.
public struct FuzzOutcome: Sendable, Equatable {
    /// True when the input was accepted (an order decoded, no parse failure, a config loaded).
    public var isAccepted = false
    /// Broken oracles, each saying what was expected and what happened. Empty means the input
    /// passed; "no crash" is the implicit oracle on top.
    public var violations: [String] = []

    public init() {}

    /// Records a broken oracle unless `condition` holds.
    mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { violations.append(message()) }
    }

    /// For the libFuzzer entries: stops the process on the first violation, so libFuzzer
    /// reports it as a crash and writes the input to `Fuzz/crashes/<target>/`.
    public func trapOnViolation() {
        if let first = violations.first { fatalError("fuzz oracle violated: \(first)") }
    }
}
