/// A NULL-terminated-per-element array of C strings for libpq calls that take
/// `const char *const *` (`PQconnectdbParams`, `PQexecParams`).
///
/// Owns its copies and deallocates them in `deinit`; pointers are only lent out
/// inside `withPointers`, never escape.
struct PQCStringArray: ~Copyable {
    private let storage: [UnsafeMutablePointer<CChar>?]

    /// Copies each string (nil stays a NULL pointer).
    init(_ strings: [String?]) {
        storage = strings.map { string in
            guard let string else { return nil }
            let bytes = string.utf8CString
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
            bytes.withUnsafeBufferPointer { buffer in
                copy.initialize(from: buffer.baseAddress!, count: buffer.count)
            }
            return copy
        }
    }

    deinit {
        for pointer in storage { pointer?.deallocate() }
    }

    var count: Int { storage.count }

    /// Lends the array as `const char *const *` (nil when empty).
    func withPointers<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        let pointers = storage.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { buffer in
            body(buffer.isEmpty ? nil : buffer.baseAddress)
        }
    }
}
