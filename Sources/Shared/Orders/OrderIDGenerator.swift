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
        let p = time.parts
        var w = JSONByteWriter(capacity: 40)
        w.raw("ORD-")
        w.unsigned(UInt64(max(0, p.year)), minimumDigits: 4)
        w.unsigned(UInt64(p.month), minimumDigits: 2)
        w.unsigned(UInt64(p.day), minimumDigits: 2)
        w.raw(UInt8(ascii: "-"))
        w.unsigned(number, minimumDigits: 5)
        w.raw(UInt8(ascii: "-"))
        w.rawASCII(instanceID)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// How many ids were handed out.
    var issuedCount: UInt64 { counter.load(ordering: .relaxed) &- firstNumber }
}

extension JSONByteWriter {
    /// Appends a string's UTF-8 bytes unescaped (only for text known to need no escaping).
    mutating func rawASCII(_ text: String) {
        for b in text.utf8 { raw(b) }
    }
}
