import Foundation
@testable import SharedOrders
import Testing

@Suite struct OrderCodecBatchTests {
    static let good = #"{"customer_id":"CUST-00001","items":[{"item_id":"ITEM-01","name":"A","quantity":1,"unit_price":2.5}],"total_amount":2.5}"#

    private func codes(_ entries: [OrderCodec.BatchEntry]) -> [ValidationProblem.Code?] {
        entries.map { entry -> ValidationProblem.Code? in
            switch entry.result {
            case .failure(let e): return e.code
            case .success(let draft):
                return OrderValidator().validate(draft).first?.code
            }
        }
    }

    @Test func ndjsonWithMixedLines() throws {
        let body = [
            Self.good,
            "",
            "{broken",
            #"{"items":[],"total_amount":1}"#,
            Self.good.replacingOccurrences(of: #""total_amount":2.5}"#, with: #""total_amount":2.555}"#),
            "  \t",
            #"{"customer_id":5,"items":[],"total_amount":1}"#,
            Self.good + "\r",
            Self.good.replacingOccurrences(of: "CUST-00001", with: "CUST-1"),
        ].joined(separator: "\n")
        let entries = try OrderCodec.decodeBatch(Array(body.utf8))
        #expect(entries.map(\.index) == [0, 1, 2, 3, 4, 5, 6])
        #expect(entries.map(\.line) == [1, 3, 4, 5, 7, 8, 9])
        #expect(codes(entries) == [nil, .invalidJSON, .missingField, .invalidTotal, .wrongType, nil, .invalidCustomerID])
    }

    @Test func arrayWithMixedElements() throws {
        let body = "[" + [
            Self.good,
            "42",
            #"{"customer_id":"CUST-00002","items":[{"item_id":"ITEM-01","name":"A","quantity":"1","unit_price":2.5}],"total_amount":2.5}"#,
            Self.good.replacingOccurrences(of: #""quantity":1"#, with: #""quantity":2"#),
        ].joined(separator: ",\n") + "]"
        let entries = try OrderCodec.decodeBatch(Array(body.utf8))
        #expect(entries.map(\.index) == [0, 1, 2, 3])
        #expect(entries.allSatisfy { $0.line == nil })
        #expect(codes(entries) == [nil, .wrongType, .wrongType, .totalMismatch])
        guard case .failure(let e) = entries[2].result else { Issue.record("accepted"); return }
        #expect(e.problems.first?.field == "[2].items[0].quantity")
    }

    @Test func wholeBatchFailures() {
        #expect(throws: OrderBatchError.empty) { try OrderCodec.decodeBatch(Array("[]".utf8)) }
        #expect(throws: OrderBatchError.empty) { try OrderCodec.decodeBatch(Array("\n \n".utf8)) }
        #expect(throws: OrderBatchError.notAnArray(actual: "object")) {
            try OrderCodec.decodeBatch(Array(Self.good.utf8), format: .jsonArray)
        }
        #expect(throws: OrderBatchError.tooManyOrders(limit: 2)) {
            try OrderCodec.decodeBatch(Array("[\(Self.good),\(Self.good),\(Self.good)]".utf8), maxOrders: 2)
        }
        #expect(throws: OrderBatchError.tooManyOrders(limit: 2)) {
            try OrderCodec.decodeBatch(Array([Self.good, Self.good, Self.good].joined(separator: "\n").utf8), maxOrders: 2)
        }
        do {
            _ = try OrderCodec.decodeBatch(Array("[\(Self.good),{oops}]".utf8))
            Issue.record("accepted")
        } catch {
            guard case .invalidJSON = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.code == .invalidJSON)
        }
    }

    @Test func singleNDJSONLineWithoutNewline() throws {
        let entries = try OrderCodec.decodeBatch(Array(Self.good.utf8), format: .ndjson)
        #expect(entries.count == 1)
        #expect(try entries[0].result.get().customerID == "CUST-00001")
    }
}
