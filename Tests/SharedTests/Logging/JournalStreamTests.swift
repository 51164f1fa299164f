import Foundation
import Logging
import Testing
@testable import SharedLogging

@Suite struct JournalStreamTests {
    /// `device:inode` of what `fd` refers to, as systemd writes it into JOURNAL_STREAM.
    private func identity(_ fd: Int32) throws -> String {
        var status = stat()
        try #require(fstat(fd, &status) == 0)
        return "\(status.st_dev):\(status.st_ino)"
    }

    private func withPipe(_ body: (Int32, Int32) throws -> Void) throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        try body(fds[0], fds[1])
    }

    @Test func theStreamNamedByJournalStreamIsTheJournal() throws {
        try withPipe { _, writeEnd in
            let value = try identity(writeEnd)
            #expect(JournalStream.isJournal(fileDescriptor: writeEnd, environmentValue: value))
        }
    }

    @Test func anInheritedVariableNamingAnotherFileIsNotTheJournal() throws {
        try withPipe { _, first in
            try withPipe { _, second in
                // A child of a journal-connected service whose stderr was redirected elsewhere.
                let value = try identity(first)
                #expect(!JournalStream.isJournal(fileDescriptor: second, environmentValue: value))
            }
        }
    }

    @Test func noOrMalformedVariableIsNotTheJournal() throws {
        try withPipe { _, writeEnd in
            let real = try identity(writeEnd)
            for value in [nil, "", real + ":1", "x:\(real.split(separator: ":")[1])", "12", ":"] as [String?] {
                #expect(!JournalStream.isJournal(fileDescriptor: writeEnd, environmentValue: value), "\(value ?? "nil")")
            }
        }
        #expect(!JournalStream.isJournal(fileDescriptor: -1, environmentValue: "1:1"))
    }

    @Test func linesToTheJournalStartWithTheirLevelAndStayJSONBehindIt() throws {
        let journal = LogSink.memory(prefixesSyslogLevel: true)
        let plain = LogSink.memory()
        for sink in [journal, plain] {
            let logger = LogSetup.makeLogger(label: "t", service: "consumer", level: .debug, sink: sink)
            logger.debug("d")
            logger.info("i")
            logger.warning("w")
            logger.error("e")
            logger.critical("c")
        }
        #expect(journal.lines.map { String($0.prefix(3)) } == ["<7>", "<6>", "<4>", "<3>", "<2>"])
        for (prefixed, line) in zip(journal.lines, plain.lines) {
            let json = prefixed.dropFirst(3)
            #expect(json.hasPrefix("{"))
            #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) is [String: Any])
            #expect(line.hasPrefix("{"))  // elsewhere: plain JSON
        }
    }

    @Test func aJournalFileDescriptorSinkWritesThePrefixedLine() throws {
        try withPipe { readEnd, writeEnd in
            let sink = LogSink.fileDescriptor(writeEnd, prefixesSyslogLevel: true)
            sink.write(line: #"{"message":"slow broker"}"#, level: .warning)
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = read(readEnd, &buffer, buffer.count)
            #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == "<4>{\"message\":\"slow broker\"}\n")
        }
    }
}
