import SharedCore
@testable import SharedPostgres
import Testing


@Suite struct PostgresConnectionOptionsTests {
    @Test func parsesURIAndAddsDefaults() throws {
        let options = try PostgresConnectionOptions(
            url: "postgresql://kafkatrace:s3cret@db.example:6543/kafkatrace", sslmode: .prefer)
        #expect(options.value(of: "host") == "db.example")
        #expect(options.value(of: "port") == "6543")
        #expect(options.value(of: "user") == "kafkatrace")
        #expect(options.value(of: "password") == "s3cret")
        #expect(options.value(of: "sslmode") == "prefer")
        #expect(options.value(of: "connect_timeout") == "5")
        #expect(options.value(of: "application_name") == "kafkatrace")
        #expect(options.target == "kafkatrace@db.example:6543/kafkatrace")
        #expect(!options.redacted.contains("s3cret"))
        #expect(options.redacted.contains("password=*****"))
    }

    @Test func parsesKeywordForm() throws {
        let options = try PostgresConnectionOptions(
            url: "host=127.0.0.1 port=5432 dbname=kafkatrace user=kafkatrace connect_timeout=9", sslmode: .disable)
        #expect(options.value(of: "dbname") == "kafkatrace")
        #expect(options.value(of: "connect_timeout") == "9")
        #expect(options.value(of: "sslmode") == "disable")
    }

    @Test func stricterSSLModeWins() throws {
        let fromURL = try PostgresConnectionOptions(url: "postgresql://h/db?sslmode=verify-full", sslmode: .prefer)
        #expect(fromURL.value(of: "sslmode") == "verify-full")
        let fromConfig = try PostgresConnectionOptions(url: "postgresql://h/db?sslmode=disable", sslmode: .require)
        #expect(fromConfig.value(of: "sslmode") == "require")
        let untouched = try PostgresConnectionOptions(url: "postgresql://h/db?sslmode=allow")
        #expect(untouched.value(of: "sslmode") == "allow")
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: PostgresError.self) { try PostgresConnectionOptions(url: "postgresql://h:notaport:/x?bogus_option=1") }
        #expect(throws: PostgresError.self) { try PostgresConnectionOptions(url: "host=h unterminated='") }
        let error = #expect(throws: PostgresError.self) { try PostgresSSLMode(parsing: "sometimes") }
        #expect(error?.description.contains("disable, allow, prefer, require, verify-ca, verify-full") == true)
        #expect(try PostgresSSLMode(parsing: "VERIFY-CA") == .verifyCA)
    }
}
