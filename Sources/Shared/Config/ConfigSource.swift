/// Where a configuration value came from, for error messages and `--check-config`.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    /// A command-line flag, e.g. `--http-port`.
    case flag(String)
    /// An environment variable, e.g. `KAFKATRACE_HTTP_PORT`.
    case environment(String)
    /// A `*_FILE` environment variable and the file it named.
    case environmentFile(variable: String, path: String)
    /// The `--config` file (its path) and the key as written there.
    case file(path: String, key: String)
    /// The built-in default.
    case defaultValue

    public var description: String {
        switch self {
        case .flag(let flag): flag
        case .environment(let name): name
        case .environmentFile(let variable, let path): "\(variable)=\(path)"
        case .file(let path, let key): "\(key) in \(path)"
        case .defaultValue: "default"
        }
    }
}
