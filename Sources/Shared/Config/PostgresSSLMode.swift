/// `postgres.sslmode`: libpq `sslmode`.
public enum PostgresSSLMode: String, ConfigChoice {
    case disable, allow, prefer, require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"
}
