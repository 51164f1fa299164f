/// The `COPY ... FROM STDIN` statement with quoted identifiers (the rows themselves are
/// encoded by `PostgresCopyRows`).
enum PostgresCopyEncoder {
    /// One row as text, for tests and debugging (the encoding is `PostgresCopyRows`).
    static func encode(_ row: [String?]) -> String {
        String(decoding: PostgresCopyRows(columnCount: row.count, rows: [row]).bytes, as: UTF8.self)
    }

    /// Double-quotes an identifier, doubling embedded quotes; a dotted name
    /// (`schema.table`) is quoted part by part. Quoted names are case sensitive.
    static func quoteIdentifier(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { part in
            "\"" + part.replacing("\"", with: "\"\"") + "\""
        }.joined(separator: ".")
    }

    /// `COPY "table" ("a", "b") FROM STDIN`.
    static func statement(table: String, columns: [String]) -> String {
        let list = columns.map(quoteIdentifier).joined(separator: ", ")
        return "COPY \(quoteIdentifier(table)) (\(list)) FROM STDIN"
    }
}
