/// Encodes rows for `COPY ... FROM STDIN` in PostgreSQL's text format (tab-separated,
/// `\N` for NULL, newline-terminated) and quotes identifiers for the COPY statement.
enum PostgresCopyEncoder {
    /// Appends one row: each value escaped (`\` → `\\`, tab → `\t`, newline → `\n`,
    /// carriage return → `\r`), NULL as `\N`, columns joined by tabs, then a newline.
    static func append(_ row: [String?], to buffer: inout [UInt8]) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let value else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    /// One row as text, for tests and debugging.
    static func encode(_ row: [String?]) -> String {
        var buffer: [UInt8] = []
        append(row, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
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
