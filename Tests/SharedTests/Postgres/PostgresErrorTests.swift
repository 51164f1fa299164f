@testable import SharedPostgres
import Testing


@Suite struct PostgresErrorTests {
    private func failed(_ sqlstate: String?) -> PostgresError {
        .queryFailed(statement: "'X'", sqlstate: sqlstate, message: "m", detail: nil)
    }

    @Test(arguments: ["08006", "08001", "57P01", "57P02", "57P03", "40001", "40P01", "53300", "53100"])
    func transientSQLStates(_ sqlstate: String) {
        #expect(failed(sqlstate).isTransient)
        #expect(PostgresError.copyFailed(table: "t", sqlstate: sqlstate, message: "m").isTransient)
    }

    @Test(arguments: ["42P01", "23505", "22P02", "57014", "25P02", "42601"])
    func permanentSQLStates(_ sqlstate: String) {
        #expect(!failed(sqlstate).isTransient)
    }

    @Test func connectionErrorsAreTransientClientErrorsAreNot() {
        #expect(PostgresError.connectionFailed(target: "h", message: "refused").isTransient)
        #expect(PostgresError.connectionLost(statement: "'X'", sqlstate: nil, message: "eof").isTransient)
        #expect(!PostgresError.closed.isTransient)
        #expect(!PostgresError.invalidArgument("x").isTransient)
        #expect(!PostgresError.invalidConnectionString(message: "x").isTransient)
        #expect(!failed(nil).isTransient)
        let wrapped = PostgresError.migrationFailed(version: 1, name: "orders", cause: failed("40P01"))
        #expect(wrapped.isTransient)
        #expect(wrapped.sqlstate == "40P01")
    }

    @Test func sqlstateClassLabelIsBounded() {
        #expect(failed("23505").sqlstateClass == "23")
        #expect(PostgresError.connectionFailed(target: "h", message: "m").sqlstateClass == "08")
        #expect(PostgresError.connectionLost(statement: "'X'", sqlstate: "57P01", message: "m").sqlstateClass == "57")
        #expect(failed(nil).sqlstateClass == "none")
        #expect(PostgresError.closed.sqlstateClass == "none")
    }

    @Test func summaryKeepsFirstWordsOnly() {
        #expect(PostgresError.summarize("SELECT 1") == "'SELECT 1'")
        #expect(PostgresError.summarize("  INSERT\n  INTO orders (a, b) VALUES ($1, $2)") == "'INSERT INTO orders (a, …'")
        #expect(PostgresError.summarize(String(repeating: "x", count: 100)).count < 60)
    }

    @Test func messagesSayWhatAndWhere() {
        let error = PostgresError.queryFailed(
            statement: "'INSERT INTO orders …'", sqlstate: "23505", message: "duplicate key", detail: "Key (order_id)=(A)")
        #expect(error.description == "PostgreSQL rejected 'INSERT INTO orders …' [SQLSTATE 23505]: duplicate key (Key (order_id)=(A))")
        #expect(PostgresError.closed.description.contains("closed"))
    }
}
