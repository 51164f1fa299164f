import SharedJSON

extension OrderCodec {
    /// How a batch body is framed.
    public enum BatchFormat: Sendable {
        /// One JSON array of order objects (`application/json`).
        case jsonArray
        /// One order object per line (`application/x-ndjson`); blank lines are skipped, `\r\n` is fine.
        case ndjson
        /// `jsonArray` when the first non-whitespace byte is `[`, else `ndjson`.
        case auto
    }

    /// One order of a batch: its position and either its draft or what was wrong with it.
    public struct BatchEntry: Sendable, Equatable {
        /// 0-based position among the batch's orders (blank NDJSON lines do not count).
        public var index: Int
        /// 1-based line number for NDJSON, nil for arrays.
        public var line: Int?
        public var result: Result<OrderDraft, OrderDecodingError>
    }

    /// Splits a batch body into per-order results. Structure problems of one element
    /// (and, for NDJSON, malformed JSON on one line) are reported in that element's entry;
    /// only framing problems fail the whole batch. Rules are not checked here: run
    /// `OrderValidator.makeOrder` on each draft.
    public static func decodeBatch(
        _ bytes: [UInt8], format: BatchFormat = .auto, maxOrders: Int = 10_000, presence: Presence = .submission
    ) throws(OrderBatchError) -> [BatchEntry] {
        var resolved = format
        if resolved == .auto {
            let first = bytes.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
            resolved = first == UInt8(ascii: "[") ? .jsonArray : .ndjson
        }
        return resolved == .jsonArray
            ? try decodeArray(bytes, maxOrders: maxOrders, presence: presence)
            : try decodeNDJSON(bytes, maxOrders: maxOrders, presence: presence)
    }

    private static func decodeArray(
        _ bytes: [UInt8], maxOrders: Int, presence: Presence
    ) throws(OrderBatchError) -> [BatchEntry] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .invalidJSON(error)
        }
        guard case .array(let elements) = value else { throw .notAnArray(actual: value.typeName) }
        if elements.isEmpty { throw .empty }
        if elements.count > maxOrders { throw .tooManyOrders(limit: maxOrders) }
        var entries: [BatchEntry] = []
        entries.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            let result: Result<OrderDraft, OrderDecodingError>
            do {
                result = .success(try draft(from: element, presence: presence, path: "[\(i)]"))
            } catch {
                result = .failure(error)
            }
            entries.append(BatchEntry(index: i, line: nil, result: result))
        }
        return entries
    }

    private static func decodeNDJSON(
        _ bytes: [UInt8], maxOrders: Int, presence: Presence
    ) throws(OrderBatchError) -> [BatchEntry] {
        var entries: [BatchEntry] = []
        var lineStart = 0
        var lineNumber = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            lineNumber += 1
            let range = lineStart..<lineEnd
            lineStart = lineEnd + 1
            if bytes[range].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            if entries.count == maxOrders { throw .tooManyOrders(limit: maxOrders) }
            let result: Result<OrderDraft, OrderDecodingError>
            do {
                result = .success(try decodeDraft(bytes, range: range, presence: presence))
            } catch {
                result = .failure(error)
            }
            entries.append(BatchEntry(index: entries.count, line: lineNumber, result: result))
        }
        if entries.isEmpty { throw .empty }
        return entries
    }
}
