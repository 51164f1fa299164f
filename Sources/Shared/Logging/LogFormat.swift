/// `log.format`: how log lines look.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One JSON object per line (``JSONLogHandler``).
    case json
    /// Human-readable lines (``TextLogHandler``).
    case text
}
