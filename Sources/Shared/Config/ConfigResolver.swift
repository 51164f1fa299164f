import Configuration
import SharedCore

/// Looks each key up in the sources, highest first: command-line flags, environment
/// (`KAFKATRACE_*`, `*_FILE` for secrets, aliases), the `--config` file, the built-in default.
///
/// Flags and the file sit in swift-configuration `InMemoryProvider`s and the environment in an
/// `EnvironmentVariablesProvider` (whose key encoder is our env naming rule); every lookup asks
/// the providers in order so each value knows its source. Every value read is recorded in
/// ``entries`` for ``EffectiveConfig``.
public struct ConfigResolver {
    public let service: DaemonKind
    public let options: CommandLineOptions
    private let environment: [String: String]
    private let flagProvider: InMemoryProvider
    private let environmentProvider: EnvironmentVariablesProvider
    private let fileProvider: InMemoryProvider
    private let file: ConfigFile?
    /// What was read, in order, for `renderEffective()`.
    public var entries: [EffectiveConfig.Entry] = []

    static let environmentPrefix = "KAFKATRACE_"
    static let passthroughPrefix = "KAFKATRACE_KAFKA_"

    public init(service: DaemonKind, options: CommandLineOptions, environment: [String: String]) throws(ConfigError) {
        self.service = service
        self.options = options
        self.environment = environment
        let file = try options.configFile.map { path throws(ConfigError) in try ConfigFile.load(path: path) }
        self.file = file
        flagProvider = InMemoryProvider(
            name: "flags",
            values: Dictionary(
                options.values.map { (AbsoluteConfigKey(Self.components($0.key)), ConfigValue(.string($0.value.value), isSecret: false)) },
                uniquingKeysWith: { a, _ in a }))
        environmentProvider = EnvironmentVariablesProvider(environmentVariables: environment)
        fileProvider = InMemoryProvider(
            name: "file",
            values: Dictionary(
                (file?.values ?? [:]).map { (AbsoluteConfigKey(Self.components($0.key)), ConfigValue(.string($0.value), isSecret: false)) },
                uniquingKeysWith: { a, _ in a }))
        try checkFileKeys()
        try checkEnvironmentNames()
    }

    /// The raw text of `spec` and its source, or nil when no source sets it and it has no default.
    func raw(_ spec: ConfigKeySpec) throws(ConfigError) -> (value: String, source: ConfigSource)? {
        if let value = lookup(flagProvider, spec.components), let flag = options.values[spec.key]?.flag {
            return (value, .flag(flag))
        }
        if let fromEnvironment = try environmentValue(spec) { return fromEnvironment }
        if let value = lookup(fileProvider, spec.components), let file {
            return (value, .file(path: file.path, key: spec.key))
        }
        return spec.defaultValue(for: service).map { ($0, .defaultValue) }
    }

    /// Records a value for the effective-config listing (`display` is redacted for secrets).
    mutating func record(_ spec: ConfigKeySpec, display: String, source: ConfigSource) {
        entries.append(.init(key: spec.key, value: spec.isSecret ? Redaction.redact(spec.key, display) : display, source: source))
    }

    mutating func recordPassthrough(_ property: String, value: String, source: ConfigSource) {
        entries.append(.init(
            key: "kafka.properties.\(property)", value: Redaction.redactProperty(property, value), source: source))
    }

    // MARK: - Sources

    private static func components(_ key: String) -> [String] {
        key.split(separator: ".").map(String.init)
    }

    private func lookup(_ provider: some ConfigProvider, _ components: [String]) -> String? {
        guard let result = try? provider.value(forKey: AbsoluteConfigKey(components), type: .string),
            case .string(let text)? = result.value?.content
        else { return nil }
        return text
    }

    /// `KAFKATRACE_<KEY>`, then `KAFKATRACE_<KEY>_FILE` (secrets), then aliases.
    private func environmentValue(_ spec: ConfigKeySpec) throws(ConfigError) -> (value: String, source: ConfigSource)? {
        var found: (value: String, source: ConfigSource)?
        if let result = try? environmentProvider.value(forKey: AbsoluteConfigKey(["kafkatrace"] + spec.components), type: .string),
            case .string(let text)? = result.value?.content
        {
            found = (text, .environment(result.encodedKey))
        }
        if let fileVariable = spec.environmentFileName, let path = environment[fileVariable] {
            let source = ConfigSource.environmentFile(variable: fileVariable, path: path)
            if let found { throw .conflictingSources(key: spec.key, first: found.source, second: source) }
            found = (try Self.readSecretFile(path, source: source), source)
        }
        if found == nil {
            for alias in spec.environmentAliases {
                if let text = try? environmentProvider.environmentValue(forName: alias) {
                    return (text, .environment(alias))
                }
            }
        }
        return found
    }

    private static func readSecretFile(_ path: String, source: ConfigSource) throws(ConfigError) -> String {
        do {
            return try TextFile.read(path: path).trimmingASCIIWhitespace
        } catch {
            throw .unreadableFile(path: path, reason: error.description, source: source)
        }
    }

    // MARK: - Passthrough

    /// librdkafka properties from `kafka.properties` in the file and `KAFKATRACE_KAFKA_<property>`
    /// (a name with a `.` or a lower-case letter after the prefix) in the environment, which wins.
    public mutating func passthrough() throws(ConfigError) -> [String: String] {
        var result: [String: (String, ConfigSource)] = [:]
        if let file {
            for (property, value) in file.properties {
                result[property] = (value, .file(path: file.path, key: ConfigFile.propertiesPrefix + property))
            }
        }
        for (name, value) in environment {
            guard let property = Self.passthroughProperty(name) else { continue }
            result[property] = (value, .environment(name))
        }
        for (property, (_, source)) in result {
            if let key = Self.managedProperties[property] {
                throw .managedPassthroughKey(property: property, useKey: key, source: source)
            }
            if let reason = Self.fixedProperties[property] {
                throw .fixedPassthroughKey(property: property, reason: reason, source: source)
            }
        }
        for property in result.keys.sorted() {
            let (value, source) = result[property]!
            recordPassthrough(property, value: value, source: source)
        }
        return result.mapValues(\.0)
    }

    /// The librdkafka property an env var names, when it is a pass-through variable.
    static func passthroughProperty(_ name: String) -> String? {
        guard name.hasPrefix(passthroughPrefix) else { return nil }
        let property = String(name.dropFirst(passthroughPrefix.count))
        guard !property.isEmpty, property.contains(".") || property.contains(where: \.isLowercase) else { return nil }
        return property
    }

    /// librdkafka properties that typed keys own.
    static let managedProperties: [String: String] = [
        "bootstrap.servers": "kafka.brokers", "metadata.broker.list": "kafka.brokers",
        "security.protocol": "kafka.security_protocol",
        "sasl.mechanism": "kafka.sasl_mechanism", "sasl.mechanisms": "kafka.sasl_mechanism",
        "sasl.username": "kafka.sasl_username", "sasl.password": "kafka.sasl_password",
        "statistics.interval.ms": "kafka.statistics_interval_ms",
        "compression.type": "kafka.compression", "compression.codec": "kafka.compression",
        "linger.ms": "kafka.linger_ms", "queue.buffering.max.ms": "kafka.linger_ms",
        "batch.size": "kafka.batch_size", "acks": "kafka.acks", "request.required.acks": "kafka.acks",
        "queue.buffering.max.messages": "kafka.queue_max_messages",
        "group.id": "kafka.group_id", "session.timeout.ms": "kafka.session_timeout_ms",
    ]

    /// librdkafka properties the delivery guarantees rely on: never passed through.
    static let fixedProperties: [String: String] = [
        "enable.auto.commit": "the consumer commits offsets only after the database commit",
        "enable.auto.offset.store": "the consumer commits offsets only after the database commit",
        "enable.idempotence": "the producers are always idempotent (no duplicates on retry)",
    ]

    // MARK: - Strictness

    /// Every file key must be a key of some daemon (the other daemon's keys are ignored,
    /// so one file can serve both).
    private func checkFileKeys() throws(ConfigError) {
        guard let file else { return }
        let known = ConfigCatalog.allKeyNames
        for key in file.values.keys.sorted() where !known.contains(key) {
            throw .unknownFileKey(key: key, path: file.path, suggestion: ConfigSuggestion.closest(to: key, in: known.sorted()))
        }
    }

    /// Every `KAFKATRACE_*` variable must name a key (of some daemon), a `*_FILE` secret,
    /// an alias, or a librdkafka pass-through property.
    private func checkEnvironmentNames() throws(ConfigError) {
        var known: Set<String> = []
        for service in DaemonKind.allCases {
            for spec in ConfigCatalog.keys(for: service) {
                known.insert(spec.environmentName)
                if let fileName = spec.environmentFileName { known.insert(fileName) }
                known.formUnion(spec.environmentAliases)
            }
        }
        for name in environment.keys.sorted() where name.hasPrefix(Self.environmentPrefix) {
            if known.contains(name) || Self.passthroughProperty(name) != nil { continue }
            throw .unknownEnvironmentVariable(name: name, suggestion: ConfigSuggestion.closest(to: name, in: known.sorted()))
        }
    }
}
