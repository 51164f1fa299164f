import Foundation
import SharedConfig

/// The `config` fuzz target: the whole configuration parsing surface of both daemons
/// (`SharedConfig`): the `--config` file (YAML via `ConfigYAML`, JSON via `SharedJSON`), the flag
/// parser, the environment (swift-configuration), every typed key and the librdkafka
/// pass-through (`ConfigCatalog.readEveryKey`), and redaction.
///
/// The first byte picks the mode; the rest is text:
///   0 `--config` file content as YAML    1 the same as JSON
///   2 producer: lines `--flag value` / `--flag=value` are arguments, `NAME=value` lines environment
///   3 the same for the consumer          4 `Redaction.redactPostgresURL`
/// `--config` and `*_FILE` variables are dropped (no file reads). Oracles besides "no crash":
/// errors describe themselves; `readEveryKey` fails exactly when the flag parser does, with the
/// same error; a key given as a flag takes its value from that flag; no file key lands among
/// the pass-through properties; a secret given in the environment (SASL password, auth token)
/// never appears in the effective configuration or in an error message unless the same text was
/// also given as a non-secret value; redaction is idempotent and removes `password=<alnum>{8,}`
/// values. Accepted: the file parsed, the configuration loaded, or (mode 4) always.
public enum ConfigFuzzHarness {
    /// Environment variables that carry secrets (the others are checked by the redaction mode).
    public static let secretVariables: Set<String> = [
        "KAFKATRACE_KAFKA_SASL_PASSWORD", "KAFKATRACE_PRODUCER_AUTH_TOKEN",
    ]

    public static func run(_ input: [UInt8]) -> FuzzOutcome {
        guard let first = input.first else { return FuzzOutcome() }
        let text = String(decoding: input.dropFirst(), as: UTF8.self)
        switch first % 5 {
        case 0: return parseFile(text, isJSON: false)
        case 1: return parseFile(text, isJSON: true)
        case 2: return load(text, service: .producer)
        case 3: return load(text, service: .consumer)
        default: return redact(text)
        }
    }

    static func parseFile(_ text: String, isJSON: Bool) -> FuzzOutcome {
        var outcome = FuzzOutcome()
        do {
            let file = try ConfigFile.parse(text, path: isJSON ? "fuzz.json" : "fuzz.yaml", isJSON: isJSON)
            outcome.isAccepted = true
            for key in file.values.keys {
                outcome.expect(
                    !key.hasPrefix(ConfigFile.propertiesPrefix), "pass-through key \(key) kept among the typed keys")
            }
        } catch {
            outcome.expect(!error.description.isEmpty, "empty ConfigError description")
        }
        return outcome
    }

    /// Splits the text into arguments and environment as the mode comment says.
    static func commandLine(_ text: String) -> (arguments: [String], environment: [String: String]) {
        var arguments: [String] = []
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("-") {
                if line.contains("=") || !line.contains(" ") {
                    arguments.append(String(line))
                } else if let space = line.firstIndex(of: " ") {
                    arguments.append(String(line[..<space]))
                    arguments.append(String(line[line.index(after: space)...]))
                }
            } else if let eq = line.firstIndex(of: "=") {
                environment[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
        }
        arguments.removeAll { $0.hasPrefix("--config") && !$0.hasPrefix("--config-") }
        return (arguments, environment.filter { !$0.key.hasSuffix("_FILE") })
    }

    static func load(_ text: String, service: DaemonKind) -> FuzzOutcome {
        var outcome = FuzzOutcome()
        let (arguments, environment) = commandLine(text)
        let secrets = environment.filter { secretVariables.contains($0.key) && $0.value.count >= 8 }.map(\.value)
        let others = arguments + environment.filter { !secretVariables.contains($0.key) }.flatMap { [$0.key, $0.value] }
        func checkNoLeak(_ output: String, _ what: String) {
            for secret in secrets where output.contains(secret) {
                let trimmed = secret.trimmingCharacters(in: .whitespaces)
                if others.contains(where: { $0.contains(secret) || $0.contains(trimmed) }) { continue }
                if secrets.filter({ $0 != secret }).contains(where: { $0.contains(secret) }) { continue }
                outcome.violations.append("secret \(secret.debugDescription) leaked into \(what): \(output)")
            }
        }
        let options: Result<CommandLineOptions, ConfigError> = Result { () throws(ConfigError) in
            try CommandLineOptions.parse(arguments, for: service)
        }
        do {
            let effective = try ConfigCatalog.readEveryKey(for: service, arguments: arguments, environment: environment)
            outcome.isAccepted = true
            checkNoLeak(effective.render(), "the effective configuration")
            switch options {
            case .success(let options):
                for (key, given) in options.values.sorted(by: { $0.key < $1.key }) {
                    guard let entry = effective[key] else { continue }
                    outcome.expect(
                        entry.source == .flag(given.flag), "\(key) given as \(given.flag) but taken from \(entry.source)")
                }
            case .failure(let error):
                outcome.violations.append("the configuration loaded although the flags do not parse: \(error)")
            }
        } catch {
            outcome.expect(!error.description.isEmpty, "empty ConfigError description")
            checkNoLeak(error.description, "the error message")
            if case .failure(let flagError) = options {
                outcome.expect(error == flagError, "flag error \(flagError) but readEveryKey threw \(error)")
            }
        }
        return outcome
    }

    static func redact(_ text: String) -> FuzzOutcome {
        var outcome = FuzzOutcome()
        outcome.isAccepted = true
        let once = Redaction.redactPostgresURL(text)
        let twice = Redaction.redactPostgresURL(once)
        outcome.expect(once == twice, "redaction is not idempotent: \(once.debugDescription) → \(twice.debugDescription)")
        for match in text.matches(of: #/password=([A-Za-z0-9]{8,})/#) {
            let value = String(match.output.1)
            guard text.ranges(of: value).count == 1 else { continue }
            outcome.expect(!once.contains(value), "password \(value) survived redaction: \(once.debugDescription)")
        }
        return outcome
    }
}
