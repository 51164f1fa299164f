/// Typed reads: each parses the raw text, throws a ``ConfigError/invalidValue(key:value:allowed:source:)``
/// naming key, value, allowed values and source, and records the value for `renderEffective()`.
extension ConfigResolver {
    func spec(_ key: String) -> ConfigKeySpec {
        guard let spec = ConfigCatalog.spec(key, for: service) else {
            preconditionFailure("\(key) is not a \(service.rawValue) key in ConfigCatalog")
        }
        return spec
    }

    /// A required value: unset (no default) or unparsable is an error.
    mutating func value<T>(
        _ key: String, display: (T) -> String = { "\($0)" }, parse: (String) -> T?
    ) throws(ConfigError) -> T {
        let spec = spec(key)
        guard let (text, source) = try raw(spec) else {
            throw .invalidValue(key: key, value: "(unset)", allowed: spec.allowed, source: .defaultValue)
        }
        guard let value = parse(text) else {
            throw .invalidValue(key: key, value: shown(spec, text), allowed: spec.allowed, source: source)
        }
        record(spec, display: display(value), source: source)
        return value
    }

    /// An optional value: unset or empty text means nil.
    mutating func optionalValue<T>(
        _ key: String, display: (T) -> String = { "\($0)" }, parse: (String) -> T?
    ) throws(ConfigError) -> T? {
        let spec = spec(key)
        guard let (text, source) = try raw(spec), !text.isEmpty else {
            entries.append(.init(key: key, value: "(unset)", source: raw(orDefault: spec)))
            return nil
        }
        guard let value = parse(text) else {
            throw .invalidValue(key: key, value: shown(spec, text), allowed: spec.allowed, source: source)
        }
        record(spec, display: display(value), source: source)
        return value
    }

    mutating func int(_ key: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        try value(key) { ConfigParsing.parseInt($0, in: range) }
    }

    mutating func double(_ key: String, _ range: ClosedRange<Double>) throws(ConfigError) -> Double {
        try value(key) { ConfigParsing.parseDouble($0, in: range) }
    }

    mutating func bool(_ key: String) throws(ConfigError) -> Bool {
        try value(key, parse: ConfigParsing.parseBool)
    }

    mutating func choice<E: ConfigChoice>(_ key: String, as type: E.Type = E.self) throws(ConfigError) -> E {
        try value(key, display: \.rawValue) { E(configText: $0) }
    }

    mutating func string(_ key: String, valid: (String) -> Bool = { !$0.isEmpty }) throws(ConfigError) -> String {
        try value(key) { valid($0) ? $0 : nil }
    }

    private func shown(_ spec: ConfigKeySpec, _ text: String) -> String {
        spec.isSecret ? Redaction.redact(spec.key, text) : text
    }

    private func raw(orDefault spec: ConfigKeySpec) -> ConfigSource {
        ((try? raw(spec)) ?? nil)?.source ?? .defaultValue
    }
}

extension ConfigResolver {
    /// Rewrites the recorded display value of `key` (e.g. a generated default).
    mutating func replaceLast(_ key: String, value: String) {
        if let index = entries.lastIndex(where: { $0.key == key }) { entries[index].value = value }
    }
}
