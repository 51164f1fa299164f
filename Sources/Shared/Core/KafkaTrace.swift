/// Build facts shared by both daemons.
public enum KafkaTrace {
    /// The version both daemons report in `kafkatrace_build_info` and `--version`.
    public static let version = "0.1.0"

    /// Whether this binary was compiled without optimization (`swift build` without
    /// `-c release`); `--version` says so.
    public static var isDebugBuild: Bool {
        #if DEBUG
            true
        #else
            false
        #endif
    }
}
