/// The result of one statement: column names, rows of text values (nil = SQL NULL) and the
/// affected-row count from the command tag (`PQcmdTuples`).
public struct PostgresRows: Sendable, Equatable {
    /// Column names in result order.
    let columns: [String]
    /// Rows in result order; each has `columns.count` values in PostgreSQL's text format.
    let rows: [[String?]]
    /// Rows inserted/updated/deleted/selected/copied as the server reported (0 for DDL).
    let affectedRows: Int

    init(columns: [String], rows: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// Number of rows returned.
    var count: Int { rows.count }

    /// True when no row was returned.
    var isEmpty: Bool { rows.isEmpty }

    /// One row.
    subscript(row: Int) -> [String?] { rows[row] }

    /// The value of the named column in `row`; nil when NULL or when there is no such column.
    func value(_ row: Int, _ column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }
}
