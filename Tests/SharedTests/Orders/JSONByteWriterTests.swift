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

    @Test func escapeScanAgreesWithTheByteRuleAtEveryPosition() {
        // The 8-bytes-a-step scan against the byte rule: every byte value, at every position of
        // every length up to 17 (two words and a tail), in a run of plain bytes.
        func byteRule(_ bytes: [UInt8]) -> Bool { bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } }
        var disagreements = 0
        for length in 1...17 {
            for position in 0..<length {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = UInt8(value)
                    let scanned = bytes.withUnsafeBufferPointer(OutputSpan<UInt8>.containsEscapes)
                    if scanned != byteRule(bytes) { disagreements += 1 }
                }
            }
        }
        #expect(disagreements == 0)
        // Neighbours that borrow across bytes in the word tricks: 0x21 next to 0x20, 0x1F, 0x7F, 0x80.
        for pair in [[0x20, 0x21], [0x21, 0x1F], [0x7F, 0x80], [0xFF, 0x00], [0x23, 0x5B, 0x5D, 0x21, 0x20, 0x20, 0x20, 0x20]] as [[UInt8]] {
            let word = pair + [UInt8](repeating: 0x41, count: 8 - pair.count)
            #expect(word.withUnsafeBufferPointer(OutputSpan<UInt8>.containsEscapes) == byteRule(word), "\(word)")
        }
    }

    @Test func orderBoundHoldsForExtremeOrders() throws {
        // The encoder reserves `OrderCodec.maximumCount(of:)` bytes once and traps past it: the
        // worst strings (every byte escaped as \u00XX), the widest numbers and the latest date.
        let controls = String(decoding: (0..<32).map { UInt8($0) } + [0x22, 0x5C], as: UTF8.self)
        let extreme = Order(
            schemaVersion: Int64.min, orderID: controls, customerID: controls + "中😀",
            items: (0..<5).map { _ in OrderItem(itemID: controls, name: controls, quantity: Int64.min, unitPriceCents: Int64.min) },
            totalCents: Int64.min, status: .cancelled,
            createdAt: OrderTimestamp(millisecondsSinceEpoch: OrderTimestamp.maxMilliseconds))
        var w = JSONByteWriter(capacity: 8)
        OrderCodec.encode(extreme, into: &w)
        #expect(w.bytes.count <= OrderCodec.maximumCount(of: extreme))
        #expect(try OrderCodec.decodeDraft(w.bytes, presence: .event) == OrderDraft(extreme))
        let plain = Order(
            orderID: "ORD-20261123-00001-ABCD", customerID: "CUST-00001",
            items: [OrderItem(itemID: "ITEM-01", name: "Margherita Pizza", quantity: Int64.max, unitPriceCents: Int64.max)],
            totalCents: Int64.max, createdAt: OrderTimestamp(millisecondsSinceEpoch: 0))
        w.removeAll()
        OrderCodec.encode(plain, into: &w)
        #expect(w.bytes.count <= OrderCodec.maximumCount(of: plain))
        #expect(try OrderCodec.decodeDraft(w.bytes, presence: .event) == OrderDraft(plain))
    }

    @Test func stringBoundIsTheWorstCaseWithoutAScan() {
        #expect(text { $0.string("x\"y\u{1}z") } == #""x\"y\u0001z""#)
        // Every byte escaped as \u00XX, plus the quotes, whatever the text holds.
        #expect(JSONByteWriter.maximumCount(ofString: "abc") == 2 + 6 * 3)
        #expect(JSONByteWriter.maximumCount(ofString: "a\"c") == 2 + 6 * 3)
        let worst = String(decoding: [UInt8](repeating: 0x01, count: 9), as: UTF8.self)
        #expect(text { $0.string(worst) }.utf8.count == JSONByteWriter.maximumCount(ofString: worst))
        // A plain string takes the short path: quotes and the text, nothing else.
        #expect(text { $0.string("Margherita Pizza") } == "\"Margherita Pizza\"")
    }

    @Test func decimalsTwoDigitsAStepAgreeWithStringForEveryWidth() {
        // The pair loop, the odd leading digit and the zero padding, at every digit count.
        var rng = SplitMix64(seed: 21)
        var values: [UInt64] = [0, 9, 10, 99, 100, 101, 999, 1000, 9999, 10_000, UInt64.max, UInt64.max - 1]
        for digits in 1...20 {
            var power: UInt64 = 1
            for _ in 1..<digits { power &*= 10 }
            values += [power, power &- 1, power &+ 1, power &* 9 &+ UInt64.random(in: 0..<max(1, power), using: &rng)]
        }
        for _ in 0..<2000 { values.append(rng.next() >> UInt64.random(in: 0...63, using: &rng)) }
        for value in values {
            for minimumDigits in [1, 2, 3, 4, 5, 19, 20, 23] {
                let plain = String(value)
                let expected = String(repeating: "0", count: max(0, minimumDigits - plain.utf8.count)) + plain
                #expect(text { $0.unsigned(value, minimumDigits: minimumDigits) } == expected)
            }
        }
    }

    @Test func hexWordsAgreeWithStringRadix16() {
        // The 8-nibbles-a-word writer against the standard library, most significant digit first.
        var rng = SplitMix64(seed: 22)
        var values: [UInt64] = [0, 1, 0xF, 0x10, 0xA, 0x9, 0xFFFF_FFFF, 0x1_0000_0000, UInt64.max, 0x0123_4567_89AB_CDEF]
        for shift in 0..<64 { values += [1 << UInt64(shift), ~(1 << UInt64(shift))] }
        for _ in 0..<5000 { values.append(rng.next()) }
        for value in values {
            let written = String(decoding: [UInt8](capacity: 16) { $0.appendHex(value) }, as: UTF8.self)
            let plain = String(value, radix: 16)
            #expect(written == String(repeating: "0", count: 16 - plain.utf8.count) + plain, "\(value)")
        }
    }
}
