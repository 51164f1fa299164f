#if canImport(Glibc)
import Glibc
#endif

/// The process's environment variables, read from `environ` (no Foundation).
public enum ProcessEnvironment {
    /// Name → value of every `NAME=value` entry; for a name given twice, the first wins (as `getenv`).
    public static var current: [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                let name = String(text[..<equals])
                if result[name] == nil { result[name] = String(text[text.index(after: equals)...]) }
            }
            entry += 1
        }
        return result
    }
}
