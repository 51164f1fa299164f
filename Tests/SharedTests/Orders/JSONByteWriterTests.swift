@testable import SharedOrders
import Testing

@Suite struct JSONByteWriterTests {
    private func text(_ write: (inout JSONByteWriter) -> Void) -> String {
        var w = JSONByteWriter(capacity: 8)
        write(&w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test func unsignedNumbersWithPadding() {
        #expect(text { $0.unsigned(0, minimumDigits: 1) } == "0")
        #expect(text { $0.unsigned(0, minimumDigits: 3) } == "000")
        #expect(text { $0.unsigned(7, minimumDigits: 2) } == "07")
        #expect(text { $0.unsigned(10, minimumDigits: 1) } == "10")
        #expect(text { $0.unsigned(99_999, minimumDigits: 5) } == "99999")
        #expect(text { $0.unsigned(100_000, minimumDigits: 5) } == "100000")
        #expect(text { $0.unsigned(2026, minimumDigits: 4) } == "2026")
        #expect(text { $0.unsigned(10_000_000_000_000_000_000, minimumDigits: 1) } == "10000000000000000000")
        #expect(text { $0.unsigned(UInt64.max, minimumDigits: 25) } == "00000" + String(UInt64.max))
        for value in [1, 9, 10, 11, 99, 100, 12345, 1 << 40, 999_999_999_999] as [UInt64] {
            #expect(text { $0.unsigned(value, minimumDigits: 1) } == String(value))
        }
    }

    @Test func integersCentsAndReuse() {
        #expect(text { $0.integer(-42) } == "-42")
        #expect(text { $0.integer(Int64.min) } == String(Int64.min))
        #expect(text { $0.cents(1250) } == "12.50")
        #expect(text { $0.cents(-5) } == "-0.05")
        var w = JSONByteWriter()
        w.string("first value")
        w.removeAll()
        w.cents(199)
        #expect(String(decoding: w.bytes, as: UTF8.self) == "1.99")
    }
}
