import SharedCore

/// `--help` text and the `docs/configuration.md` key tables, both from ``ConfigCatalog``.
public enum ConfigHelp {
    /// Descriptions of the flags that are not configuration.
    static func controlFlagLines(for service: DaemonKind) -> [(String, String)] {
        var lines = [
            ("--config FILE", "read a YAML (.yaml/.yml) or JSON (.json) config file"),
            ("--check-config", "print the effective configuration (secrets redacted) and exit"),
            ("--version", "print the version and exit"),
            ("--help, -h", "print this help and exit"),
        ]
        if service == .consumer { lines.append(("--migrate-only", "apply database migrations and exit")) }
        return lines
    }

    static func defaultText(_ spec: ConfigKeySpec, for service: DaemonKind) -> String {
        spec.defaultNote ?? spec.defaultValue(for: service) ?? "(unset)"
    }

    /// The default as the docs table shows it: per daemon where they differ.
    static func defaultText(_ spec: ConfigKeySpec) -> String {
        if spec.serviceDefaults.isEmpty { return defaultText(spec, for: .producer) }
        return DaemonKind.allCases.map { "\(defaultText(spec, for: $0)) \($0.rawValue)" }.joined(separator: " / ")
    }

    static func environmentText(_ spec: ConfigKeySpec) -> [String] {
        [spec.environmentName] + (spec.environmentFileName.map { ["\($0) (file content)"] } ?? [])
            + spec.environmentAliases.map { "\($0) (alias)" }
    }

    /// The `--help` text for `service`.
    public static func text(for service: DaemonKind) -> String {
        var out = """
            Usage: \(service.binaryName) [--config FILE] [--check-config] [--version] [--help]\
            \(service == .consumer ? " [--migrate-only]" : "") [--<key> VALUE ...]

            Configuration sources, highest first: command-line flags (--http-port 9000 or --http-port=9000),
            environment (KAFKATRACE_*), the --config FILE (YAML or JSON, nested or dotted keys), defaults.

            Flags:

            """
        for (flag, summary) in controlFlagLines(for: service) {
            out += "  " + flag.padded(to: 18) + summary + "\n"
        }
        out += "\nConfiguration keys:\n"
        for spec in ConfigCatalog.keys(for: service) {
            out += "  \(spec.key)\(spec.isSecret ? " (secret)" : "")\n"
            out += "      \(spec.summary)\n"
            out += "      env \(environmentText(spec).joined(separator: ", ")); flag \(spec.flagName)\n"
            out += "      default \(defaultText(spec, for: service)); allowed: \(spec.allowed)\n"
        }
        out += """

            librdkafka pass-through:
              KAFKATRACE_KAFKA_<property>=VALUE, e.g. KAFKATRACE_KAFKA_ssl.ca.location=/etc/kafka/ca.pem
              (a name with a '.' or a lower-case letter after KAFKATRACE_KAFKA_ is a librdkafka property),
              or a kafka.properties map in the config file. Properties that a key above owns are refused.

            """
        return out
    }

    /// Markdown tables (common, producer, consumer) for `docs/configuration.md`.
    static func markdownReference() -> String {
        var out = ""
        let sections: [(String, [ConfigKeySpec])] = [
            ("Common (both daemons)", ConfigCatalog.keys(for: .producer).filter { $0.scope == .common }),
            ("Producer", ConfigCatalog.keys(for: .producer).filter { $0.scope == .producer }),
            ("Consumer", ConfigCatalog.keys(for: .consumer).filter { $0.scope == .consumer }),
        ]
        for (title, specs) in sections {
            out += "### \(title)\n\n| key | env | flag | default | allowed | what |\n|---|---|---|---|---|---|\n"
            for spec in specs {
                let defaultText = defaultText(spec)
                let env = environmentText(spec).map { "`\($0)`" }.joined(separator: "<br>")
                let cells = [
                    "`\(spec.key)`", env, "`\(spec.flagName)`", "`\(defaultText)`",
                    spec.allowed, spec.summary + (spec.isSecret ? " Secret." : ""),
                ]
                out += "| " + cells.map { $0.replacing("|", with: "\\|") }.joined(separator: " | ") + " |\n"
            }
            out += "\n"
        }
        return out
    }
}
