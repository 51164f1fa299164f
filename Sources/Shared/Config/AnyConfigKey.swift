/// A ``ConfigKey`` with its value type erased, for the key tables and for reading every key of a
/// daemon without building its typed configuration.
public struct AnyConfigKey: Sendable {
    let spec: ConfigKeySpec
    private let readText: @Sendable (inout ConfigResolver) throws(ConfigError) -> Void

    init<Value>(_ key: ConfigKey<Value>) {
        spec = key.spec
        readText = { resolver throws(ConfigError) in _ = try resolver.readOptional(key) }
    }

    /// Reads, checks and records the key's value (unset is allowed here).
    func read(_ resolver: inout ConfigResolver) throws(ConfigError) {
        try readText(&resolver)
    }
}
