@testable import SharedPostgres
import Testing


@Suite struct PostgresCopyEncoderTests {
    @Test func escapesTextFormatSpecials() {
        #expect(PostgresCopyEncoder.encode(["a", "b"]) == "a\tb\n")
        #expect(PostgresCopyEncoder.encode(["tab\there", nil, "nl\nx", "cr\ry", "back\\slash"])
            == "tab\\there\t\\N\tnl\\nx\tcr\\ry\tback\\\\slash\n")
        #expect(PostgresCopyEncoder.encode(["\\N"]) == "\\\\N\n")  // the text \N, not NULL
        #expect(PostgresCopyEncoder.encode([""]) == "\n")
        #expect(PostgresCopyEncoder.encode(["Grüße 🍕"]) == "Grüße 🍕\n")
    }

    @Test func quotesIdentifiers() {
        #expect(PostgresCopyEncoder.quoteIdentifier("orders") == "\"orders\"")
        #expect(PostgresCopyEncoder.quoteIdentifier("public.orders") == "\"public\".\"orders\"")
        #expect(PostgresCopyEncoder.quoteIdentifier("we\"ird") == "\"we\"\"ird\"")
        #expect(PostgresCopyEncoder.statement(table: "t", columns: ["a", "B"]) == "COPY \"t\" (\"a\", \"B\") FROM STDIN")
    }
}
