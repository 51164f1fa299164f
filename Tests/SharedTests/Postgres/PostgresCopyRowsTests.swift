@testable import SharedPostgres
import Testing

@Suite struct PostgresCopyRowsTests {
    private func text(_ rows: PostgresCopyRows) -> String { String(decoding: rows.bytes, as: UTF8.self) }

    @Test func fieldByFieldEqualsWholeRows() {
        var fields = PostgresCopyRows(columnCount: 4)
        fields.text("tab\there")
        fields.null()
        fields.integer(Int64(-42))
        fields.text(utf8: Array("back\\slash\r\n".utf8)[...])
        fields.endRow()
        let whole = PostgresCopyRows(columnCount: 4, rows: [["tab\there", nil, "-42", "back\\slash\r\n"]])
        #expect(fields.bytes == whole.bytes)
        #expect(text(fields) == "tab\\there\t\\N\t-42\tback\\\\slash\\r\\n\n")
        #expect(fields.rowCount == 1 && fields.problem == nil)
    }

    @Test func appendingConcatenatesRowsAndProblems() {
        var first = PostgresCopyRows(columnCount: 1, rows: [["a"]])
        let second = PostgresCopyRows(columnCount: 1, rows: [["b"], ["c"]])
        first.append(contentsOf: second)
        #expect(text(first) == "a\nb\nc\n")
        #expect(first.rowCount == 3)
        var broken = PostgresCopyRows(columnCount: 1)
        broken.text("x")
        broken.text("y")
        broken.endRow()
        first.append(contentsOf: broken)
        #expect(first.problem == "row 0 has 2 values, expected 1")
    }

    @Test func recordsWhatCOPYWouldRefuse() {
        #expect(PostgresCopyRows(columnCount: 2, rows: [["a", "b"], ["c"]]).problem == "row 1 has 1 values, expected 2")
        let nul = PostgresCopyRows(columnCount: 1, rows: [["ok"], ["a\u{0}b"]])
        #expect(nul.problem == "row 1 contains a NUL byte; PostgreSQL text cannot hold NUL")
        #expect(PostgresCopyRows(columnCount: 1, rows: [["Grüße 🍕"]]).problem == nil)
    }
}
