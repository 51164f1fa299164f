/// What the client's connection is doing, for `kafkatrace_postgres_connections{state}` and
/// `kafkatrace_postgres_up`. It is the last known state: a server that went away while the
/// connection was idle is noticed on the next call (or `ping()`).
public enum PostgresConnectionState: String, Sendable, Equatable {
    /// No connection yet, or the last one broke; the next call connects.
    case disconnected
    /// Connected, no statement running.
    case idle
    /// A statement, transaction or COPY is running.
    case busy
    /// `close()` was called.
    case closed

    /// Connected (idle or busy).
    var isConnected: Bool { self == .idle || self == .busy }
}
