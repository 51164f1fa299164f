@testable import SharedJSON
@testable import SharedOrders
import Testing

@Suite struct JSONParserTests {
    private func kind(_ text: String) -> JSONParseError.Kind? {
        kind(Array(text.utf8))
    }

    private func kind(_ bytes: [UInt8]) -> JSONParseError.Kind? {
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func parsesScalarsArraysAndObjects() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse(" true ") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("\"hi\"") == .string("hi"))
        #expect(try JSONParser.parse("[1, 2]") == .array([.number(JSONNumber(1)), .number(JSONNumber(2))]))
        let obj = try JSONParser.parse(#"{"a": {"b": []}, "c": "d"}"#)
        #expect(obj["c"] == .string("d"))
        #expect(obj["a"]?["b"] == .array([]))
        #expect(obj["zzz"] == nil)
    }

    @Test func numbersAreExactDecimals() throws {
        let a = try JSONParser.parse("12.5"), b = try JSONParser.parse("12.50"), c = try JSONParser.parse("1250e-2")
        #expect(a == b)
        #expect(b == c)
        guard case .number(let n) = c else { Issue.record("not a number"); return }
        #expect(n.scaled(decimals: 2) == 1250)
        #expect(n.int64Value == nil)
        guard case .number(let z) = try JSONParser.parse("-0.0") else { Issue.record("not a number"); return }
        #expect(z.isZero && !z.isNegative)
        guard case .number(let big) = try JSONParser.parse("1E+3") else { Issue.record("not a number"); return }
        #expect(big.int64Value == 1000)
        guard case .number(let neg) = try JSONParser.parse("-9223372036854775808") else { Issue.record("nan"); return }
        #expect(neg.int64Value == Int64.min)
        guard case .number(let tooMany) = try JSONParser.parse("0.001") else { Issue.record("nan"); return }
        #expect(tooMany.scaled(decimals: 2) == nil)
        #expect(tooMany.scaled(decimals: 3) == 1)
    }

    @Test func hugeNumbersParseButAreNotExactIntegers() throws {
        let digits = String(repeating: "9", count: 400)
        guard case .number(let n) = try JSONParser.parse(digits) else { Issue.record("nan"); return }
        #expect(!n.isExact)
        #expect(n.int64Value == nil)
        guard case .number(let e) = try JSONParser.parse("1e999999999999999999") else { Issue.record("nan"); return }
        #expect(e.int64Value == nil)
        guard case .number(let tiny) = try JSONParser.parse("1e-999999999999") else { Issue.record("nan"); return }
        #expect(tiny.scaled(decimals: 2) == nil)
        // Many trailing zeros stay exact and fold into the exponent.
        guard case .number(let z) = try JSONParser.parse("1" + String(repeating: "0", count: 30)) else { return }
        #expect(z.isExact && z.significand == 1 && z.exponent == 30)
        // Leading fractional zeros too.
        guard case .number(let f) = try JSONParser.parse("0." + String(repeating: "0", count: 30) + "5") else { return }
        #expect(f.isExact && f.significand == 5 && f.exponent == -31)
    }

    @Test func stringEscapesAndUnicode() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try JSONParser.parse(#""\u00e9\u4e2d""#) == .string("é中"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse("\"héllo 😀\"") == .string("héllo 😀"))
    }

    @Test func rejectsMalformedCorpus() {
        #expect(kind("") == .unexpectedEnd)
        #expect(kind("   ") == .unexpectedEnd)
        #expect(kind(#"{"a":1"#) == .unexpectedEnd)
        #expect(kind(#"{"a":"#) == .unexpectedEnd)
        #expect(kind(#""abc"#) == .unexpectedEnd)
        #expect(kind("[1,2") == .unexpectedEnd)
        #expect(kind("tru") == .unexpectedEnd)
        #expect(kind("[1,]") == .unexpectedByte(UInt8(ascii: "]")))
        #expect(kind(#"{"a":1,}"#) == .unexpectedByte(UInt8(ascii: "}")))
        #expect(kind("{a:1}") == .unexpectedByte(UInt8(ascii: "a")))
        #expect(kind("NaN") == .invalidNumber)
        #expect(kind("Infinity") == .invalidNumber)
        #expect(kind("-Infinity") == .invalidNumber)
        #expect(kind("01") == .invalidNumber)
        #expect(kind("1.") == .invalidNumber)
        #expect(kind(".5") == .unexpectedByte(UInt8(ascii: ".")))
        #expect(kind("1e") == .invalidNumber)
        #expect(kind("+1") == .unexpectedByte(UInt8(ascii: "+")))
        #expect(kind("0x10") == .trailingData)
        #expect(kind("1 2") == .trailingData)
        #expect(kind(#""\x""#) == .invalidEscape)
        #expect(kind(#""\u12""#) == .invalidEscape)
        #expect(kind(#""\ud83d""#) == .invalidUnicodeEscape)
        #expect(kind(#""\ude00""#) == .invalidUnicodeEscape)
        #expect(kind(#""\ud83d\u0041""#) == .invalidUnicodeEscape)
        #expect(kind("\"a\tb\"") == .controlCharacterInString)
        #expect(kind([0x22, 0xC3, 0x28, 0x22]) == .invalidUTF8)            // bad continuation
        #expect(kind([0x22, 0xED, 0xA0, 0x80, 0x22]) == .invalidUTF8)      // encoded surrogate
        #expect(kind([0x22, 0xC0, 0xAF, 0x22]) == .invalidUTF8)            // overlong
        #expect(kind([0x22, 0x5C, 0x6E, 0xFF, 0x22]) == .invalidUTF8)      // bad byte after an escape
        #expect(kind([0xEF, 0xBB, 0xBF, 0x7B, 0x7D]) == .unexpectedByte(0xEF))  // BOM
        #expect(kind("// c\n{}") == .unexpectedByte(UInt8(ascii: "/")))
        #expect(kind("\u{0}") == .unexpectedByte(0))
    }

    @Test func duplicateKeysAreRejected() {
        #expect(kind(#"{"a":1,"a":2}"#) == .duplicateKey("a"))
        // Large objects switch to a hash set; still detected.
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(kind("{" + members + "}") == nil)
        #expect(kind("{" + members + ",\"k7\":0}") == .duplicateKey("k7"))
    }

    @Test func deepNestingIsCappedNotRecursedInto() {
        #expect(kind(String(repeating: "[", count: 10_000)) == .tooDeep(limit: JSONParser.defaultMaxDepth))
        #expect(kind(String(repeating: "{\"a\":", count: 10_000)) == .tooDeep(limit: JSONParser.defaultMaxDepth))
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(kind(ok) == nil)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(kind(tooDeep) == .tooDeep(limit: 64))
    }

    @Test func errorOffsetsPointAtTheProblem() {
        do {
            _ = try JSONParser.parse(#"{"a": tru}"#)
            Issue.record("parsed")
        } catch {
            #expect(error.offset == 9)
            #expect(error.description.contains("byte 9"))
        }
    }

    @Test func parsesASubrange() throws {
        let bytes = Array(#"xx{"a":1}yy"#.utf8)
        #expect(try JSONParser.parse(bytes, range: 2..<9)["a"] == .number(JSONNumber(1)))
    }

    /// Random byte mutations of a valid order never crash the parser (a seeded smoke fuzz).
    @Test func mutatedOrdersNeverCrash() throws {
        var rng = SplitMix64(seed: 42)
        let ids = try OrderIDGenerator(instanceID: "FUZZ")
        let order = OrderGenerator(ids: ids).makeOrder(at: OrderTimestamp(millisecondsSinceEpoch: 1_800_000_000_000), using: &rng)
        let base = OrderCodec.encode(order)
        var parsed = 0
        for _ in 0..<5000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                }
            }
            if (try? JSONParser.parse(bytes)) != nil { parsed += 1 }
            _ = try? OrderCodec.decode(bytes)
        }
        #expect(parsed < 5000)  // most mutations break the syntax
    }
}
