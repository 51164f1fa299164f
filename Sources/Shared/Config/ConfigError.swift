/// Everything that can be wrong with a daemon's configuration. Messages name the key,
/// the bad value, what is allowed and which source the value came from.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A value that does not parse or is out of range. `value` is already redacted for secrets.
    case invalidValue(key: String, value: String, allowed: String, source: ConfigSource)
    /// A combination of values that does not work together.
    case invalidCombination(message: String)
    /// A command-line flag nobody knows.
    case unknownFlag(flag: String, suggestion: String?, validFlags: [String])
    /// A flag that needs a value got none.
    case missingFlagValue(flag: String)
    /// A flag that takes no value got one (`--version=3`).
    case unexpectedFlagValue(flag: String, value: String)
    /// A bare argument that is no flag and no flag's value.
    case unexpectedArgument(String)
    /// A key in the `--config` file nobody knows.
    case unknownFileKey(key: String, path: String, suggestion: String?)
    /// A `KAFKATRACE_*` environment variable nobody knows.
    case unknownEnvironmentVariable(name: String, suggestion: String?)
    /// A librdkafka property that has a typed key of its own.
    case managedPassthroughKey(property: String, useKey: String, source: ConfigSource)
    /// A librdkafka pass-through property that the guarantees depend on and no key changes.
    case fixedPassthroughKey(property: String, reason: String, source: ConfigSource)
    /// Both `X` and `X_FILE` (or another pair) set the same key.
    case conflictingSources(key: String, first: ConfigSource, second: ConfigSource)
    /// The `--config` file or a `*_FILE` secret could not be read.
    case unreadableFile(path: String, reason: String, source: ConfigSource?)
    /// The `--config` file is not valid YAML/JSON or not a mapping.
    case malformedFile(path: String, reason: String)
    /// The `--config` file's extension is neither YAML nor JSON.
    case unsupportedFileType(path: String)

    public var description: String {
        switch self {
        case .invalidValue(let key, let value, let allowed, let source):
            return "\(key)=\(value) is not \(allowed) (from \(source))"
        case .invalidCombination(let message):
            return message
        case .unknownFlag(let flag, let suggestion, let valid):
            let hint = suggestion.map { " (did you mean \($0)?)" } ?? ""
            return "unknown flag \(flag)\(hint); valid flags: \(valid.joined(separator: ", "))"
        case .missingFlagValue(let flag):
            return "flag \(flag) needs a value: \(flag) VALUE or \(flag)=VALUE"
        case .unexpectedFlagValue(let flag, let value):
            return "flag \(flag) takes no value, got \(flag)=\(value)"
        case .unexpectedArgument(let argument):
            return "unexpected argument \(argument): every option is a --flag (see --help)"
        case .unknownFileKey(let key, let path, let suggestion):
            let hint = suggestion.map { " (did you mean \($0)?)" } ?? ""
            return "unknown key \(key) in \(path)\(hint); see --help for every key"
        case .unknownEnvironmentVariable(let name, let suggestion):
            let hint = suggestion.map { " (did you mean \($0)?)" } ?? ""
            return "unknown environment variable \(name)\(hint); librdkafka properties go in "
                + "KAFKATRACE_KAFKA_<dotted.name>, see --help for every key"
        case .managedPassthroughKey(let property, let useKey, let source):
            return "librdkafka property \(property) is set by \(useKey); use that key instead (from \(source))"
        case .fixedPassthroughKey(let property, let reason, let source):
            return "librdkafka property \(property) cannot be changed: \(reason) (from \(source))"
        case .conflictingSources(let key, let first, let second):
            return "\(key) is set twice, by \(first) and by \(second); set only one"
        case .unreadableFile(let path, let reason, let source):
            let from = source.map { " (from \($0))" } ?? ""
            return "cannot read \(path): \(reason)\(from)"
        case .malformedFile(let path, let reason):
            return "config file \(path) is not valid: \(reason)"
        case .unsupportedFileType(let path):
            return "config file \(path) must end in .yaml, .yml or .json"
        }
    }
}
