/// The 100 customers the order generator orders for: `CUST-00001`...`CUST-00100`.
public enum Customers {
    /// How many customers exist.
    public static let count = 100

    /// Every customer id, in order.
    public static let ids: [String] = (1...count).map { id(number: $0) }

    /// `CUST-` plus `number` zero-padded to 5 digits (`17` → `CUST-00017`).
    public static func id(number: Int) -> String {
        var w = JSONByteWriter(capacity: 10)
        w.raw("CUST-")
        w.unsigned(UInt64(max(0, number)), minimumDigits: 5)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
