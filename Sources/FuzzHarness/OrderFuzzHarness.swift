import SharedOrders

/// The `order` fuzz target: the order JSON decoder and validator (`SharedOrders`).
///
/// Every input goes through `decode` (Kafka event), `decodeDraft` + `validate` (HTTP submission)
/// and `decodeBatch` + `validate` per entry. Oracles besides "no crash": errors describe
/// themselves (non-empty text, a rejected event names its problems), a batch never holds more
/// than `maxOrders` entries, and an order that decodes re-encodes to bytes that decode to the
/// same order (encode ∘ decode is a fixed point), and the event decoder's fast path (no
/// `JSONValue` tree) agrees with the tree path whenever it answers. Accepted: the input decoded
/// as an event.
public enum OrderFuzzHarness {
    /// The batch cap the target passes to `decodeBatch`.
    public static let maxBatchOrders = 64

    public static func run(_ bytes: [UInt8]) -> FuzzOutcome {
        var outcome = FuzzOutcome()
        let validator = OrderValidator()
        do {
            let order = try OrderCodec.decode(bytes, validator: validator)
            outcome.isAccepted = true
            let again = OrderCodec.encode(order)
            do {
                let decodedAgain = try OrderCodec.decode(again, validator: validator)
                outcome.expect(decodedAgain == order, "round trip changed the order: \(order) → \(decodedAgain)")
            } catch {
                outcome.violations.append(
                    "re-encoded order does not decode: \(error) for \(String(decoding: again, as: UTF8.self))")
            }
        } catch {
            outcome.expect(!error.description.isEmpty, "decode: empty error description")
            outcome.expect(!error.problems.isEmpty, "decode: rejected without a problem: \(error)")
        }
        // The event decoder's path without the JSONValue tree must agree with the tree path
        // whenever it does not decline.
        if let fast = OrderCodec.eventDraftWithoutTree(bytes) {
            do {
                let tree = try OrderCodec.decodeDraft(bytes, presence: .event)
                outcome.expect(fast == tree, "event draft without the tree \(fast) differs from the tree's \(tree)")
            } catch {
                outcome.violations.append("event draft without the tree accepted what the tree path rejects: \(error)")
            }
        }
        do {
            let draft = try OrderCodec.decodeDraft(bytes, presence: .submission)
            _ = validator.validate(draft)
        } catch {
            outcome.expect(!error.description.isEmpty, "decodeDraft: empty error description")
        }
        do {
            let entries = try OrderCodec.decodeBatch(bytes, maxOrders: maxBatchOrders)
            outcome.expect(entries.count <= maxBatchOrders, "batch of \(entries.count) over maxOrders \(maxBatchOrders)")
            for entry in entries {
                switch entry.result {
                case .success(let draft): _ = validator.validate(draft)
                case .failure(let error):
                    outcome.expect(!error.description.isEmpty, "decodeBatch entry \(entry.index): empty error description")
                }
            }
        } catch {
            outcome.expect(!error.description.isEmpty, "decodeBatch: empty error description")
        }
        return outcome
    }
}
