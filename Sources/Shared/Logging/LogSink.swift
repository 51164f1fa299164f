#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// Where log lines go: a file descriptor (stderr by default) or memory (tests).
///
/// Each line is written with one `write(2)` call while a lock is held (continuing only on a
/// short write or `EINTR`), so lines from different threads never interleave.
///
/// A sink writing to the journal (``JournalStream``) starts each line with its syslog level,
/// `<4>{"time":…}`: journald strips the prefix and records `PRIORITY=4`, so
/// `journalctl -p warning` finds warnings while the stored line stays JSON.
public final class LogSink: Sendable {
    private enum Target: Sendable {
        case fileDescriptor(Int32)
        case memory
    }

    private let target: Target
    /// Lines start with `<N>` (``SyslogLevel/journalPrefix``).
    public let prefixesSyslogLevel: Bool
    private let lock = Mutex<[String]>([])

    private init(target: Target, prefixesSyslogLevel: Bool) {
        self.target = target
        self.prefixesSyslogLevel = prefixesSyslogLevel
    }

    /// Standard error (file descriptor 2); lines carry the `<N>` level prefix when stderr is
    /// the journal (`JOURNAL_STREAM`, checked once, on first use).
    public static let standardError = LogSink(
        target: .fileDescriptor(2), prefixesSyslogLevel: JournalStream.isStandardErrorJournal)

    /// A sink writing to `fileDescriptor` (not closed by the sink).
    static func fileDescriptor(_ fileDescriptor: Int32, prefixesSyslogLevel: Bool = false) -> LogSink {
        LogSink(target: .fileDescriptor(fileDescriptor), prefixesSyslogLevel: prefixesSyslogLevel)
    }

    /// A sink that keeps lines in memory; read them with ``lines``.
    public static func memory(prefixesSyslogLevel: Bool = false) -> LogSink {
        LogSink(target: .memory, prefixesSyslogLevel: prefixesSyslogLevel)
    }

    /// Lines written so far (memory sinks only), without the trailing newline.
    public var lines: [String] {
        lock.withLock { $0 }
    }

    /// Writes `line` of an event at `level` plus a newline, atomically with respect to other
    /// writers of this sink; with ``prefixesSyslogLevel`` the line starts with `<N>`.
    public func write(line: String, level: Logger.Level) {
        write(line: prefixesSyslogLevel ? SyslogLevel(level).journalPrefix + line : line)
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
