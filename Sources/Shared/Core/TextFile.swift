#if canImport(Glibc)
import Glibc
#endif

/// Reads small text files (the `--config` file, `*_FILE` secrets) whole, as UTF-8.
public enum TextFile {
    /// Why a file could not be read: the system's words (`No such file or directory`) or
    /// `not valid UTF-8`.
    public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The file's content. Throws when it cannot be opened or read, or is not UTF-8.
    public static func read(path: String) throws(ReadError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw systemError() }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw systemError()
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(description: "not valid UTF-8")
        }
        return text
    }

    private static func systemError() -> ReadError {
        ReadError(description: String(cString: strerror(errno)))
    }
}
