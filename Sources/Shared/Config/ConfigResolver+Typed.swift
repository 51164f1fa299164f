/// Typed reads: each parses the raw text with the key's own parser, throws a
/// ``ConfigError/invalidValue(key:value:allowed:source:)`` naming key, value, allowed values and
/// source, and records the value for `renderEffective()`.
extension ConfigResolver {
    /// A required value: unset (no default) or unparsable is an error.
    public mutating func read<Value>(_ key: ConfigKey<Value>) throws(ConfigError) -> Value {
        let spec = try known(key.spec)
        guard let (text, source) = try raw(spec) else {
            throw .invalidValue(key: spec.key, value: "(unset)", allowed: spec.allowed, source: .defaultValue)
        }
        guard let value = key.parse(text) else {
            throw .invalidValue(key: spec.key, value: shown(spec, text), allowed: spec.allowed, source: source)
        }
        record(spec, display: key.display(value), source: source)
        return value
    }

    /// An optional value: unset or empty text means nil.
    public mutating func readOptional<Value>(_ key: ConfigKey<Value>) throws(ConfigError) -> Value? {
        let spec = try known(key.spec)
        guard let (text, source) = try raw(spec), !text.isEmpty else {
            entries.append(.init(key: spec.key, value: "(unset)", source: raw(orDefault: spec)))
            return nil
        }
        guard let value = key.parse(text) else {
            throw .invalidValue(key: spec.key, value: shown(spec, text), allowed: spec.allowed, source: source)
        }
        record(spec, display: key.display(value), source: source)
        return value
    }

    /// `spec` when this daemon reads it; a key of the other daemon is a programming error.
    private func known(_ spec: ConfigKeySpec) throws(ConfigError) -> ConfigKeySpec {
        guard spec.applies(to: service) else {
            preconditionFailure("\(spec.key) is not a \(service.rawValue) key")
        }
        return spec
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
    public mutating func replaceLast(_ key: String, value: String) {
        if let index = entries.lastIndex(where: { $0.key == key }) { entries[index].value = value }
    }
}
