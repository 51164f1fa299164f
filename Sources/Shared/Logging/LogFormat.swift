/// `log.format`: how log lines look.
public enum LogFormat: String, ConfigChoice {
    /// One JSON object per line (``JSONLogHandler``).
    case json
    /// Human-readable lines (``TextLogHandler``).
    case text
}
