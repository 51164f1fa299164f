import Foundation
@testable import SharedJSON
@testable import SharedOrders
import Testing

/// The event decoder's path without the `JSONValue` tree (`JSONParser.orderEventDraft`) against
/// the tree path: whenever it answers, the same draft; whatever it declines, the tree decides.
@Suite struct JSONParserOrderEventTests {
    static let example = #"""
        {"schema_version":1,"order_id":"ORD-20261123-00042-7K3QZ2XA","customer_id":"CUST-00017",
         "items":[{"item_id":"ITEM-03","name":"Margherita Pizza","quantity":2,"unit_price":12.50}],
         "total_amount":25.00,"status":"pending","created_at":"2026-11-23T09:30:00.123Z"}
        """#

    private func tree(_ bytes: [UInt8]) -> Result<OrderDraft, OrderDecodingError> {
        Result { () throws(OrderDecodingError) in try OrderCodec.decodeDraft(bytes, presence: .event) }
    }

    /// `OrderCodec.decode` (fast path first) and the tree path alone give the same order or error.
    private func expectSameDecode(_ bytes: [UInt8], _ comment: Comment? = nil) {
        let viaDecode = Result { () throws(OrderDecodingError) in try OrderCodec.decode(bytes) }
        let viaTree = tree(bytes).flatMap { draft in
            Result { () throws(OrderDecodingError) in
                try OrderValidator().makeOrder(from: draft, orderID: { _ in "" }, now: { OrderTimestamp(millisecondsSinceEpoch: 0) })
            }
        }
        #expect("\(viaDecode)" == "\(viaTree)", comment)
    }

    @Test func generatedOrdersTakeTheFastPathToTheSameDraft() throws {
        let generator = OrderGenerator(ids: try OrderIDGenerator(instanceID: "FASTPATH"))
        var rng = Xoshiro256StarStar(state: (1, 2, 3, 4))
        for n in 0..<2_000 {
            let order = generator.makeOrder(at: OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_000 + Int64(n)), using: &rng)
            let bytes = OrderCodec.encode(order)
            let fast = try #require(JSONParser.orderEventDraft(bytes))
            #expect(fast == (try tree(bytes).get()))
            #expect(try OrderCodec.decode(bytes) == order)
        }
    }

    @Test func acceptsWhatTheTreeAcceptsInAnyLayout() throws {
        let variants = [
            Self.example,
            // Keys in another order, whitespace everywhere, unknown members of every kind.
            #" { "created_at" : "2026-11-23T09:30:00.123Z" , "status":"pending", "total_amount": 2.5e1, "x": {"a": [1, true, null, "s\n"]}, "#
                + #""items": [ {"unit_price":12.5,"quantity":2,"name":"Margherita \u00e9 Pizza","item_id":"ITEM-03","note":[null]} ], "#
                + #""customer_id":"CUST-00017","order_id":"ORD-20261123-00042-7K3QZ2XA","schema_version":1.0 } "#,
            // Escapes and non-ASCII in values.
            Self.example.replacingOccurrences(of: "Margherita Pizza", with: #"Marg\"herita \ud83c\udf55 Pizzä"#),
        ]
        for text in variants {
            let bytes = Array(text.utf8)
            let fast = try #require(JSONParser.orderEventDraft(bytes), "\(text)")
            #expect(fast == (try tree(bytes).get()), "\(text)")
            expectSameDecode(bytes, "\(text)")
        }
    }

    @Test func declinesWhatOnlyTheTreeCanAnswer() {
        let declined = [
            // Valid for the tree, declined here: a null unknown member, an escaped key.
            Self.example.replacingOccurrences(of: #""status""#, with: #""other":null,"status""#),
            Self.example.replacingOccurrences(of: #""status""#, with: #""st\u0061tus""#),
            // Errors: duplicate keys (known and unknown), null, absent, wrong types, syntax.
            Self.example.replacingOccurrences(of: #""status":"pending""#, with: #""status":"pending","status":"pending""#),
            Self.example.replacingOccurrences(of: #""status""#, with: #""z":1,"z":2,"status""#),
            Self.example.replacingOccurrences(of: #""status":"pending""#, with: #""status":null"#),
            Self.example.replacingOccurrences(of: #""status":"pending","#, with: ""),
            Self.example.replacingOccurrences(of: #""quantity":2"#, with: #""quantity":"2""#),
            Self.example.replacingOccurrences(of: #""total_amount":25.00"#, with: #""total_amount":"25.00""#),
            Self.example.replacingOccurrences(of: #"[{"item_id""#, with: #"[7,{"item_id""#),
            Self.example.replacingOccurrences(of: #""name":"Margherita Pizza","#, with: ""),
            Self.example + " x",
            Self.example.replacingOccurrences(of: "}],", with: "},],"),
            Self.example.replacingOccurrences(of: "Margherita", with: "Marg\u{01}herita"),
            "[]", "{}", "", "nul",
        ]
        for text in declined {
            let bytes = Array(text.utf8)
            #expect(JSONParser.orderEventDraft(bytes) == nil, "\(text)")
            expectSameDecode(bytes, "\(text)")
        }
    }

    @Test func mutatedEventsDecodeAsTheTreeDecodesThem() throws {
        let generator = OrderGenerator(ids: try OrderIDGenerator(instanceID: "MUTATE"))
        var rng = Xoshiro256StarStar(state: (5, 6, 7, 8))
        let alphabet = Array(#"{}[]:,"\ 0123456789.-eE+nulltruefalsexé"#.utf8)
        var fastAnswers = 0
        for n in 0..<3_000 {
            var bytes = OrderCodec.encode(generator.makeOrder(at: OrderTimestamp(millisecondsSinceEpoch: 1_795_426_200_000 + Int64(n)), using: &rng))
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] = alphabet.randomElement(using: &rng)!
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet.randomElement(using: &rng)!, at: at)
                }
            }
            if let fast = JSONParser.orderEventDraft(bytes) {
                fastAnswers += 1
                #expect(fast == (try? tree(bytes).get()), "\(String(decoding: bytes, as: UTF8.self))")
            }
            expectSameDecode(bytes, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(fastAnswers > 100)  // the mutations left many events valid: the fast path was exercised
    }
}
