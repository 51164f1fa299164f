/// A message's headers packed into one byte buffer: per header, the name's length (4 bytes,
/// little endian), the name (UTF-8), the value's length, the value. A consumer catching up holds
/// thousands of messages at once; unpacked, each header's value and the list were an allocation
/// of their own (five for an order's four headers), now the headers are one (none when there
/// are no headers). Unpack with ``all`` or look one up with ``first(named:)``.
public struct KafkaHeaders: Sendable, Equatable {
    private(set) var packed: [UInt8] = []

    public init() {}

    /// Packs `headers`, in order.
    public init(_ headers: [(String, [UInt8])]) {
        reserve(count: headers.count, bytes: headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.count })
        for (name, value) in headers { append(name: name.utf8, value: value) }
    }

    /// Appends one header (names may repeat; a null value is passed as empty).
    mutating func append(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        Self.appendLength(name.count, to: &packed)
        packed.append(contentsOf: name)
        Self.appendLength(value.count, to: &packed)
        packed.append(contentsOf: value)
    }

    /// Reserves room for headers of `bytes` name and value bytes in all, `count` headers.
    mutating func reserve(count: Int, bytes: Int) {
        packed.reserveCapacity(packed.count + count * 8 + bytes)
    }

    public var isEmpty: Bool { packed.isEmpty }

    /// Every header in wire order.
    public var all: [(String, [UInt8])] {
        var result: [(String, [UInt8])] = []
        scan { name, value in
            result.append((String(decoding: name, as: UTF8.self), Array(value)))
            return false
        }
        return result
    }

    /// The value of the first header named `name`.
    public func first(named name: String) -> [UInt8]? {
        var found: [UInt8]?
        let wanted = Array(name.utf8)
        scan { headerName, value in
            guard headerName.elementsEqual(wanted) else { return false }
            found = Array(value)
            return true
        }
        return found
    }

    /// Calls `body` with each header's name and value, in order, until it returns true.
    private func scan(_ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) -> Bool) {
        var index = packed.startIndex
        while index < packed.endIndex {
            let nameCount = Self.length(in: packed, at: index)
            let nameStart = index + 4
            let valueCount = Self.length(in: packed, at: nameStart + nameCount)
            let valueStart = nameStart + nameCount + 4
            if body(packed[nameStart..<nameStart + nameCount], packed[valueStart..<valueStart + valueCount]) { return }
            index = valueStart + valueCount
        }
    }

    private static func appendLength(_ count: Int, to bytes: inout [UInt8]) {
        let value = UInt32(truncatingIfNeeded: count)
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    private static func length(in bytes: [UInt8], at index: Int) -> Int {
        Int(bytes[index]) | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2]) << 16 | Int(bytes[index + 3]) << 24
    }
}
