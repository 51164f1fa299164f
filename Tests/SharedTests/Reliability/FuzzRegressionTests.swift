import Foundation
import FuzzHarness
import Testing

/// Replays fuzz inputs through the harnesses the libFuzzer entries in `Fuzz/targets/` call
/// (`Sources/FuzzHarness`: the same steps and oracles): every file of `Fuzz/regressions/<target>/`
/// (inputs that once crashed or broke an oracle) and of the seed corpus `Fuzz/corpus/<target>/`.
/// Each must finish without a crash and without breaking an oracle; the corpus must keep
/// reaching both the accepting and the rejecting paths.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Files of `Fuzz/regressions/<target>` and `Fuzz/corpus/<target>` (dot files and README files excluded).
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        var found: [(String, [UInt8])] = []
        for folder in ["Fuzz/regressions/\(target)", "Fuzz/corpus/\(target)"] {
            let dir = root.appendingPathComponent(folder)
            guard FileManager.default.fileExists(atPath: dir.path) else { continue }
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            where !name.hasPrefix(".") && !name.hasSuffix(".md") {
                found.append(("\(folder)/\(name)", Array(try Data(contentsOf: dir.appendingPathComponent(name)))))
            }
        }
        return found
    }

    /// Runs `harness` on every input of `target`; expects no violation. Returns how many inputs
    /// were accepted and how many rejected.
    static func replay(
        _ target: String, minimumInputs: Int, _ harness: ([UInt8]) -> FuzzOutcome
    ) throws -> (accepted: Int, rejected: Int) {
        let inputs = try inputs(target)
        #expect(inputs.count >= minimumInputs, "\(target): only \(inputs.count) inputs")
        var accepted = 0
        for (name, bytes) in inputs {
            let outcome = harness(bytes)
            #expect(outcome.violations.isEmpty, "\(name): \(outcome.violations)")
            if outcome.isAccepted { accepted += 1 }
        }
        return (accepted, inputs.count - accepted)
    }

    @Test func orderInputsDecodeOrFailCleanly() throws {
        let (decoded, rejected) = try Self.replay("order", minimumInputs: 30, OrderFuzzHarness.run)
        #expect(decoded > 0, "no valid order among the inputs")
        #expect(rejected > 0, "no rejected order among the inputs")
    }

    @Test func httpInputsParseTheSameWholeAndChunked() throws {
        let (parsed, rejected) = try Self.replay("http", minimumInputs: 20, HTTPFuzzHarness.run)
        #expect(parsed > 0, "no well-formed request among the inputs")
        #expect(rejected > 0, "no rejected request among the inputs")
    }

    @Test func configInputsLoadOrFailCleanly() throws {
        let (loaded, rejected) = try Self.replay("config", minimumInputs: 10, ConfigFuzzHarness.run)
        #expect(loaded > 0, "no configuration among the inputs loads")
        #expect(rejected > 0, "no configuration among the inputs is rejected")
    }

    /// Hand-made inputs that reach the secret and redaction oracles on their accepting path.
    @Test func secretsStayOutOfTheLoadedConfigurationAndRedactedURLs() {
        // Mode 2: producer flags and environment; the token must load and not be printed.
        let token = ConfigFuzzHarness.run(Array("\u{02}KAFKATRACE_PRODUCER_AUTH_TOKEN=s3cretvalue\n--http-port=9000\n".utf8))
        #expect(token.isAccepted && token.violations.isEmpty, "\(token.violations)")
        // Mode 4: redaction of a URI password and a password parameter.
        let url = ConfigFuzzHarness.run(Array("\u{04}postgresql://u:pw12345678@h/db?password=abcdefgh1".utf8))
        #expect(url.isAccepted && url.violations.isEmpty, "\(url.violations)")
    }
}
