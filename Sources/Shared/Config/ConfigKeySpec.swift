import Foundation

/// Which daemon a configuration is loaded for.
public enum DaemonKind: String, Sendable, CaseIterable {
    case producer
    case consumer

    /// The binary name, e.g. `kafkatrace-producer`.
    public var binaryName: String { "kafkatrace-\(rawValue)" }
}

/// One configuration key: its names in every source, its default and what it allows.
///
/// The catalog of these (``ConfigCatalog``) is the single table that drives parsing,
/// error messages, `--help` and `docs/configuration.md`.
public struct ConfigKeySpec: Sendable, Equatable {
    /// Where a key applies.
    public enum Scope: String, Sendable {
        case common, producer, consumer
    }

    /// The dotted key, e.g. `http.port`.
    public let key: String
    /// Which daemons read it.
    public let scope: Scope
    /// The default as text (parsed like any other source); `nil` means unset.
    public let defaultValue: String?
    /// How the default reads in help when it is not a literal, e.g. "random per start".
    public let defaultNote: String?
    /// What is allowed, as a noun phrase that reads after "is not": "one of none, gzip".
    public let allowed: String
    /// One line saying what the key does.
    public let summary: String
    /// Secrets are redacted in `renderEffective()` and error messages, and may come from
    /// a file named by `<ENV>_FILE`.
    public let isSecret: Bool
    /// Extra environment variable names accepted (lower precedence than the canonical one).
    public let environmentAliases: [String]
    /// A boolean key: as a flag, `--key` alone means true.
    public let isBoolean: Bool
    /// Defaults that differ per daemon (`http.port`); they win over ``defaultValue``.
    public let serviceDefaults: [DaemonKind: String]

    public init(
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
    public func defaultValue(for service: DaemonKind) -> String? {
        serviceDefaults[service] ?? defaultValue
    }

    /// The environment variable: `KAFKATRACE_` + upper-case key with `.` → `_`.
    public var environmentName: String { Self.environmentName(forKey: key) }

    /// The variable naming a file whose trimmed content is the value (secrets only).
    public var environmentFileName: String? { isSecret ? environmentName + "_FILE" : nil }

    /// The command-line flag: `--` + lower-case key with `.` and `_` → `-`.
    public var flagName: String { Self.flagName(forKey: key) }

    /// The key path components, e.g. `["http", "port"]`.
    public var components: [String] { key.split(separator: ".").map(String.init) }

    /// Whether `service` reads this key.
    public func applies(to service: DaemonKind) -> Bool {
        switch scope {
        case .common: true
        case .producer: service == .producer
        case .consumer: service == .consumer
        }
    }

    static func environmentName(forKey key: String) -> String {
        "KAFKATRACE_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    static func flagName(forKey key: String) -> String {
        "--" + key.lowercased().replacingOccurrences(of: ".", with: "-").replacingOccurrences(of: "_", with: "-")
    }
}
