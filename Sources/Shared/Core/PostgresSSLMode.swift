/// libpq's `sslmode`, ordered from weakest to strictest (config key `postgres.sslmode`).
///
/// It lives in the core, not in SharedPostgres, so that the configuration module can parse the
/// key without depending on SharedPostgres: that dependency linked libpq (and Kerberos, LDAP,
/// GnuTLS behind it, ~3.4 MB resident) into the producer, which never talks to PostgreSQL.
/// SharedPostgres re-exports the name and adds the parsing that throws `PostgresError`.
public enum PostgresSSLMode: String, Sendable, CaseIterable, Comparable {
    case disable
    case allow
    case prefer
    case require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"

    private var strictness: Int { PostgresSSLMode.allCases.firstIndex(of: self)! }

    public static func < (lhs: PostgresSSLMode, rhs: PostgresSSLMode) -> Bool {
        lhs.strictness < rhs.strictness
    }
}
