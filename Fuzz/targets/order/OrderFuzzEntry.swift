// libFuzzer entry for the order JSON decoder and validator (compiled together with
// Sources/Shared/Orders/*.swift by scripts/fuzz; Tests/SharedTests/Reliability/FuzzRegressionTests.swift
// runs the same steps through `import Shared`).
//
// Every input goes through `decode` (Kafka event), `decodeDraft` + `validate` (HTTP submission)
// and `decodeBatch` + `validate` per entry. Oracles besides "no crash": errors describe
// themselves (non-empty text), and an order that decodes re-encodes to bytes that decode to
// the same order (encode ∘ decode is a fixed point).

@_cdecl("LLVMFuzzerTestOneInput")
public func orderFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    OrderFuzzEntry.run(bytes)
    return 0
}

enum OrderFuzzEntry {
    static func run(_ bytes: [UInt8]) {
        let validator = OrderValidator()
        do {
            let order = try OrderCodec.decode(bytes, validator: validator)
            let again = OrderCodec.encode(order)
            do {
                let decodedAgain = try OrderCodec.decode(again, validator: validator)
                if decodedAgain != order {
                    fatalError("round trip changed the order: \(order) → \(decodedAgain)")
                }
            } catch {
                fatalError("re-encoded order does not decode: \(error) for \(String(decoding: again, as: UTF8.self))")
            }
        } catch {
            precondition(!error.description.isEmpty, "empty error description")
        }
        do {
            let draft = try OrderCodec.decodeDraft(bytes, presence: .submission)
            _ = validator.validate(draft)
        } catch {
            precondition(!error.description.isEmpty, "empty error description")
        }
        do {
            let entries = try OrderCodec.decodeBatch(bytes, maxOrders: 64)
            precondition(entries.count <= 64, "batch over maxOrders")
            for entry in entries {
                switch entry.result {
                case .success(let draft): _ = validator.validate(draft)
                case .failure(let error): precondition(!error.description.isEmpty, "empty error description")
                }
            }
        } catch {
            precondition(!error.description.isEmpty, "empty error description")
        }
    }
}
