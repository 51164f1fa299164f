#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whether a file descriptor is systemd's journal stream.
///
/// systemd sets `JOURNAL_STREAM=<device>:<inode>` (decimal `st_dev` and `st_ino`) when it
/// connects a service's stdout or stderr to journald. The variable is inherited by children
/// whose stderr may point elsewhere, so it counts only when it names the very file the
/// descriptor refers to (`fstat`). Only then are log lines prefixed with `<N>` so journald
/// records their priority; anywhere else a line is plain JSON.
public enum JournalStream {
    /// True when `JOURNAL_STREAM` (`environmentValue`) names the file `fileDescriptor` refers to.
    /// Wraps `fstat`.
    public static func isJournal(fileDescriptor: Int32, environmentValue: String?) -> Bool {
        guard let (device, inode) = parse(environmentValue) else { return false }
        var status = stat()
        guard fstat(fileDescriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// True when this process's stderr is the journal (reads `JOURNAL_STREAM` with `getenv`).
    public static var isStandardErrorJournal: Bool {
        isJournal(fileDescriptor: 2, environmentValue: getenv("JOURNAL_STREAM").map { String(cString: $0) })
    }

    /// `device:inode` as two decimal numbers; nil when malformed.
    static func parse(_ value: String?) -> (device: UInt64, inode: UInt64)? {
        guard let value else { return nil }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        return (device, inode)
    }
}
