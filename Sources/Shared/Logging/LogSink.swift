#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where log lines go: a file descriptor (stderr by default) or memory (tests).
///
/// Each line is written with one `write(2)` call while a lock is held (continuing only on a
/// short write or `EINTR`), so lines from different threads never interleave.
public final class LogSink: Sendable {
    private enum Target: Sendable {
        case fileDescriptor(Int32)
        case memory
    }

    private let target: Target
    private let lock = Mutex<[String]>([])

    private init(target: Target) {
        self.target = target
    }

    /// Standard error (file descriptor 2).
    public static let standardError = LogSink(target: .fileDescriptor(2))

    /// A sink writing to `fileDescriptor` (not closed by the sink).
    static func fileDescriptor(_ fileDescriptor: Int32) -> LogSink {
        LogSink(target: .fileDescriptor(fileDescriptor))
    }

    /// A sink that keeps lines in memory; read them with ``lines``.
    public static func memory() -> LogSink {
        LogSink(target: .memory)
    }

    /// Lines written so far (memory sinks only), without the trailing newline.
    public var lines: [String] {
        lock.withLock { $0 }
    }

    /// Writes `line` plus a newline atomically with respect to other writers of this sink.
    public func write(line: String) {
        switch target {
        case .memory:
            lock.withLock { $0.append(line) }
        case .fileDescriptor(let fd):
            var bytes = Array(line.utf8)
            bytes.append(UInt8(ascii: "\n"))
            lock.withLock { _ in
                bytes.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                        if written > 0 {
                            offset += written
                        } else if written < 0 && errno == EINTR {
                            continue
                        } else {
                            return  // Nowhere to report a failing log write; drop the line.
                        }
                    }
                }
            }
        }
    }
}
