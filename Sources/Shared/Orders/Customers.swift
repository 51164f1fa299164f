/// The 100 customers the order generator orders for: `CUST-00001`...`CUST-00100`.
enum Customers {
    /// How many customers exist.
    static let count = 100

    /// Every customer id, in order.
    static let ids: [String] = (1...count).map { id(number: $0) }

    /// `CUST-` plus `number` zero-padded to 5 digits (`17` → `CUST-00017`).
    static func id(number: Int) -> String {
        var w = JSONByteWriter(capacity: 10)
        w.raw("CUST-")
        w.unsigned(UInt64(max(0, number)), minimumDigits: 5)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
