@testable import SharedConfig
import Testing

@Suite struct RedactionTests {
    @Test(arguments: [
        ("postgresql://u:pw@h:5432/db", "postgresql://u:<redacted>@h:5432/db"),
        ("postgres://u:p%40ss@h/db?sslmode=require", "postgres://u:<redacted>@h/db?sslmode=require"),
        ("postgresql://u@h/db?password=pw&sslmode=disable", "postgresql://u@h/db?password=<redacted>&sslmode=disable"),
        ("postgresql://kafkatrace@127.0.0.1:5432/kafkatrace", "postgresql://kafkatrace@127.0.0.1:5432/kafkatrace"),
        ("host=db user=app password=pw dbname=x", "host=db user=app password=<redacted> dbname=x"),
        ("host=db password = 'p w\\' x' dbname=x", "host=db password = <redacted> dbname=x"),
        ("host=db password='p w\\' x't dbname=x", "host=db password=<redacted> dbname=x"),
        // The password value swallows the `/` that ended the authority: a second pass would see `x@y`.
        ("postgresql://u:pw@h&password=pw2/db&x@y", "postgresql://u:<redacted>@y"),
    ])
    func postgresURL(input: String, expected: String) {
        let once = Redaction.redactPostgresURL(input)
        #expect(once == expected)
        #expect(Redaction.redactPostgresURL(once) == once, "redacting twice changes the text")
    }

    @Test(arguments: [
        ("ssl.key.password", true), ("ssl.key.pem", true), ("sasl.oauthbearer.client.secret", true),
        ("sasl.jaas.config", true), ("ssl.ca.location", false), ("client.id", false), ("debug", false),
    ])
    func passthroughProperties(property: String, isSecret: Bool) {
        #expect((Redaction.redactProperty(property, "v") == Redaction.placeholder) == isSecret)
    }
}
