// libFuzzer entry for configuration parsing (compiled by scripts/fuzz together with Sources/Shared/KafkaTrace.swift,
// Sources/Shared/Config/*.swift and Sources/Shared/Logging/LogFormat.swift in a generated
// package that depends on swift-configuration, swift-log and Yams, so the real YAML (libyaml via
// Yams) and JSON (Foundation) file paths, the environment provider and the flag parser run).
//
// The first byte picks the mode; the rest is text:
//   0 `--config` file content as YAML    1 the same as JSON
//   2 producer: lines `--flag value` / `--flag=value` are arguments, `NAME=value` lines environment
//   3 the same for the consumer          4 `Redaction.redactPostgresURL`
// `--config` and `*_FILE` variables are dropped (no file reads). Oracles besides "no crash":
// errors describe themselves; a secret given in the environment (SASL password, auth token) never
// appears in `renderEffective()` or in an error message unless the same text was also given as
// a non-secret value; redaction is idempotent and removes `password=<alnum>{8,}` values.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func configFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ConfigFuzzEntry.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

enum ConfigFuzzEntry {
    static let secretVariables: Set<String> = [
        "KAFKATRACE_KAFKA_SASL_PASSWORD", "KAFKATRACE_PRODUCER_AUTH_TOKEN",
    ]

    static func run(_ input: [UInt8]) {
        guard let first = input.first else { return }
        let text = String(decoding: input.dropFirst(), as: UTF8.self)
        switch first % 5 {
        case 0: parseFile(text, isJSON: false)
        case 1: parseFile(text, isJSON: true)
        case 2: load(text, service: .producer)
        case 3: load(text, service: .consumer)
        default: redact(text)
        }
    }

    static func parseFile(_ text: String, isJSON: Bool) {
        do {
            let file = try ConfigFile.parse(text, path: isJSON ? "fuzz.json" : "fuzz.yaml", isJSON: isJSON)
            for key in file.values.keys { precondition(!key.isEmpty || file.values[key] != nil) }
        } catch {
            precondition(!error.description.isEmpty, "empty ConfigError description")
        }
    }

    static func load(_ text: String, service: DaemonKind) {
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
        environment = environment.filter { !$0.key.hasSuffix("_FILE") }
        let secrets = environment.filter { secretVariables.contains($0.key) && $0.value.count >= 8 }.map(\.value)
        let others = arguments + environment.filter { !secretVariables.contains($0.key) }.flatMap { [$0.key, $0.value] }
        func checkNoLeak(_ output: String, _ what: String) {
            for secret in secrets where output.contains(secret) {
                let trimmed = secret.trimmingCharacters(in: .whitespaces)
                if others.contains(where: { $0.contains(secret) || $0.contains(trimmed) }) { continue }
                if secrets.filter({ $0 != secret }).contains(where: { $0.contains(secret) }) { continue }
                fatalError("secret \(secret.debugDescription) leaked into \(what): \(output)")
            }
        }
        do {
            let rendered: String
            if service == .producer {
                rendered = try ProducerConfig.load(arguments: arguments, environment: environment).renderEffective()
            } else {
                rendered = try ConsumerConfig.load(arguments: arguments, environment: environment).renderEffective()
            }
            checkNoLeak(rendered, "renderEffective()")
        } catch {
            precondition(!error.description.isEmpty, "empty ConfigError description")
            checkNoLeak(error.description, "the error message")
        }
    }

    static func redact(_ text: String) {
        let once = Redaction.redactPostgresURL(text)
        let twice = Redaction.redactPostgresURL(once)
        precondition(once == twice, "redaction is not idempotent: \(once.debugDescription) → \(twice.debugDescription)")
        let pattern = #/password=([A-Za-z0-9]{8,})/#
        for match in text.matches(of: pattern) {
            let value = String(match.output.1)
            guard text.ranges(of: value).count == 1 else { continue }
            precondition(!once.contains(value), "password \(value) survived redaction: \(once.debugDescription)")
        }
    }
}
