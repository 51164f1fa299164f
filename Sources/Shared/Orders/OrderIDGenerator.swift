import Synchronization

/// Makes order ids `ORD-YYYYMMDD-NNNNN-<INSTANCE>`: the UTC date of the order, a per-process
/// counter starting at 1 (zero-padded to at least 5 digits, never reset), and the producer's
/// instance id, so ids stay unique across restarts and replicas. Thread-safe.
public final class OrderIDGenerator: Sendable {
    /// The `<INSTANCE>` part (`producer.instance_id`).
    public let instanceID: String
    private let counter: Atomic<UInt64>
    private let firstNumber: UInt64

    /// Uses `instanceID`, which must pass ``OrderValidator/isValidInstanceID(_:)``.
    public init(instanceID: String, firstNumber: UInt64 = 1) throws(OrderError) {
        guard OrderValidator.isValidInstanceID(instanceID) else { throw .invalidInstanceID(instanceID) }
        self.instanceID = instanceID
        self.firstNumber = firstNumber
        counter = Atomic(firstNumber)
    }

    /// Uses a random 8-character instance id.
    public convenience init() {
        var rng = SplitMix64()
        try! self.init(instanceID: Self.makeInstanceID(using: &rng))  // a made id always matches
    }

    /// A random instance id of `length` characters from A-Z and 0-9 (clamped to
    /// ``OrderValidator/instanceIDLength``).
    public static func makeInstanceID(length: Int = 8, using rng: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        let n = min(OrderValidator.instanceIDLength.upperBound, max(OrderValidator.instanceIDLength.lowerBound, length))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(n)
        for _ in 0..<n { bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The next id, dated `at` (UTC).
    public func next(at time: OrderTimestamp) -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        // Written straight into the string's own storage: one allocation an id. At most
        // "ORD-", the date, a number of up to 20 digits, 2 dashes and the instance.
        let capacity = 26 + OrderTimestamp.maximumTextCount + instanceID.utf8.count
        return String(unsafeUninitializedCapacity: capacity) { buffer in
            var out = OutputSpan(buffer: buffer, initializedCount: 0)
            out.appendRaw("ORD-")
            time.writeCompactDate(to: &out)
            out.append(UInt8(ascii: "-"))
            out.appendDecimal(number, minimumDigits: 5)
            out.append(UInt8(ascii: "-"))
            for b in instanceID.utf8 { out.append(b) }
            return out.finalize(for: buffer)
        }
    }

    /// How many ids were handed out.
    var issuedCount: UInt64 { counter.load(ordering: .relaxed) &- firstNumber }
}
