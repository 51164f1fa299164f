import SharedCore

/// Which daemon a configuration is loaded for.
public enum DaemonKind: String, Sendable, CaseIterable {
    case producer
    case consumer

    /// The binary name, e.g. `kafkatrace-producer`.
    var binaryName: String { "kafkatrace-\(rawValue)" }

    /// What `--version` prints: `kafkatrace-producer 0.1.0`, with ` (debug build)` after it for a
    /// binary compiled without optimization (scripts/soak warns on those).
    public var versionLine: String {
        "\(binaryName) \(KafkaTrace.version)" + (KafkaTrace.isDebugBuild ? " (debug build)" : "")
    }
}

/// One configuration key: its names in every source, its default and what it allows.
///
/// The catalog of these (``ConfigCatalog``) is the single table that drives parsing,
/// error messages, `--help` and `docs/configuration.md`.
struct ConfigKeySpec: Sendable, Equatable {
    /// Where a key applies.
    enum Scope: String, Sendable {
        case common, producer, consumer
    }

    /// The dotted key, e.g. `http.port`.
    let key: String
    /// Which daemons read it.
    let scope: Scope
    /// The default as text (parsed like any other source); `nil` means unset.
    let defaultValue: String?
    /// How the default reads in help when it is not a literal, e.g. "random per start".
    let defaultNote: String?
    /// What is allowed, as a noun phrase that reads after "is not": "one of none, gzip".
    let allowed: String
    /// One line saying what the key does.
    let summary: String
    /// Secrets are redacted in `renderEffective()` and error messages, and may come from
    /// a file named by `<ENV>_FILE`.
    let isSecret: Bool
    /// Extra environment variable names accepted (lower precedence than the canonical one).
    let environmentAliases: [String]
    /// A boolean key: as a flag, `--key` alone means true.
    let isBoolean: Bool
    /// Defaults that differ per daemon (`http.port`); they win over ``defaultValue``.
    let serviceDefaults: [DaemonKind: String]

    init(
        _ key: String, scope: Scope, defaultValue: String?, defaultNote: String? = nil,
        allowed: String, summary: String, isSecret: Bool = false, environmentAliases: [String] = [],
        isBoolean: Bool = false, serviceDefaults: [DaemonKind: String] = [:]
    ) {
        self.key = key
        self.scope = scope
        self.defaultValue = defaultValue
        self.defaultNote = defaultNote
        self.allowed = allowed
        self.summary = summary
        self.isSecret = isSecret
        self.environmentAliases = environmentAliases
        self.isBoolean = isBoolean
        self.serviceDefaults = serviceDefaults
    }

    /// The default `service` uses, as text; nil means unset.
    func defaultValue(for service: DaemonKind) -> String? {
        serviceDefaults[service] ?? defaultValue
    }

    /// The environment variable: `KAFKATRACE_` + upper-case key with `.` → `_`.
    var environmentName: String { Self.environmentName(forKey: key) }

    /// The variable naming a file whose trimmed content is the value (secrets only).
    var environmentFileName: String? { isSecret ? environmentName + "_FILE" : nil }

    /// The command-line flag: `--` + lower-case key with `.` and `_` → `-`.
    var flagName: String { Self.flagName(forKey: key) }

    /// The key path components, e.g. `["http", "port"]`.
    var components: [String] { key.split(separator: ".").map(String.init) }

    /// Whether `service` reads this key.
    func applies(to service: DaemonKind) -> Bool {
        switch scope {
        case .common: true
        case .producer: service == .producer
        case .consumer: service == .consumer
        }
    }

    static func environmentName(forKey key: String) -> String {
        "KAFKATRACE_" + key.uppercased().replacing(".", with: "_")
    }

    static func flagName(forKey key: String) -> String {
        "--" + key.lowercased().replacing(".", with: "-").replacing("_", with: "-")
    }
}
