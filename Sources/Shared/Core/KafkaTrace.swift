/// Build facts shared by both daemons.
public enum KafkaTrace {
    /// The version both daemons report in `kafkatrace_build_info` and `--version`.
    public static let version = "0.1.0"
}
