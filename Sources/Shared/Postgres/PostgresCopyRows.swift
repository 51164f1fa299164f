/// Rows already encoded for `COPY … FROM STDIN` in PostgreSQL's text format (tab-separated,
/// `\N` for NULL, newline-terminated; `\`, tab, newline and carriage return escaped), built
/// before the call so the encoding can run anywhere (the consumer encodes a batch while the
/// previous one is being written) and the connection's queue only sends bytes.
///
/// Append values field by field (`text`, `integer`, `null`) and close each row with `endRow()`,
/// or append whole rows with `append(_:)`. A row with the wrong number of fields, or text with
/// a NUL byte (PostgreSQL text cannot hold one), is recorded in `problem`; COPY refuses the
/// rows then, before anything is sent.
public struct PostgresCopyRows: Sendable {
    /// Fields per row.
    public let columnCount: Int
    /// The encoded rows.
    public private(set) var bytes: [UInt8] = []
    /// Rows closed with `endRow()`.
    public private(set) var rowCount = 0
    /// The first reason these rows cannot be copied, or nil.
    public private(set) var problem: String?
    private var fieldsInRow = 0

    public init(columnCount: Int, reservingCapacity bytes: Int = 0) {
        self.columnCount = columnCount
        self.bytes.reserveCapacity(bytes)
    }

    /// `rows` encoded as they are (nil = NULL).
    public init(columnCount: Int, rows: [[String?]]) {
        self.init(columnCount: columnCount, reservingCapacity: rows.count * columnCount * 16)
        for row in rows { append(row) }
    }

    public var isEmpty: Bool { rowCount == 0 }

    /// One whole row (nil = NULL).
    public mutating func append(_ row: [String?]) {
        if row.count != columnCount {
            record("row \(rowCount) has \(row.count) values, expected \(columnCount)")
        }
        for value in row {
            if let value { text(value) } else { null() }
        }
        endRow()
    }

    /// Appends every row of `other` (same column count).
    public mutating func append(contentsOf other: PostgresCopyRows) {
        if other.columnCount != columnCount {
            record("rows with \(other.columnCount) columns appended to rows with \(columnCount)")
        }
        if let otherProblem = other.problem { record(otherProblem) }
        bytes.append(contentsOf: other.bytes)
        rowCount += other.rowCount
    }

    /// A text field, escaped.
    public mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { appendText($0) }
    }

    /// A text field from UTF-8 bytes, escaped.
    public mutating func text(utf8 value: ArraySlice<UInt8>) {
        value.withUnsafeBufferPointer { appendText($0) }
    }

    /// A text field from any UTF-8 bytes, escaped. (The `ArraySlice` overload is the fast one: a
    /// generic function is not specialized for callers in other modules.)
    public mutating func text(utf8 value: some Collection<UInt8>) {
        if value.withContiguousStorageIfAvailable({ appendText($0) }) == nil {
            Array(value).withUnsafeBufferPointer { appendText($0) }
        }
    }

    private mutating func appendText(_ value: UnsafeBufferPointer<UInt8>) {
        separate()
        if Self.isPlain(value) {
            bytes.append(contentsOf: value)
            return
        }
        for byte in value {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0:
                record("row \(rowCount) contains a NUL byte; PostgreSQL text cannot hold NUL")
            default: bytes.append(byte)
            }
        }
    }

    /// An integer field in decimal.
    public mutating func integer(_ value: some BinaryInteger) {
        separate()
        bytes.append(contentsOf: String(value).utf8)  // a small string: no allocation
    }

    /// A NULL field.
    public mutating func null() {
        separate()
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "N"))
    }

    /// Closes the current row.
    public mutating func endRow() {
        if fieldsInRow != columnCount && problem == nil {
            record("row \(rowCount) has \(fieldsInRow) values, expected \(columnCount)")
        }
        bytes.append(UInt8(ascii: "\n"))
        rowCount += 1
        fieldsInRow = 0
    }

    private mutating func separate() {
        if fieldsInRow > 0 { bytes.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    private mutating func record(_ reason: String) {
        if problem == nil { problem = reason }
    }

    private static func isPlain(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        buffer.allSatisfy(isPlain)
    }

    @inline(__always)
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "\t") && byte != UInt8(ascii: "\n")
            && byte != UInt8(ascii: "\r") && byte != 0
    }
}
