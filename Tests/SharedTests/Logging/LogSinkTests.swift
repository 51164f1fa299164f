import Dispatch
import Foundation
@testable import SharedLogging
import Synchronization
import Testing

@Suite struct LogSinkTests {
    /// Many threads write lines longer than PIPE_BUF into one pipe; every line read back is whole.
    @Test func linesFromManyThreadsNeverInterleave() async throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let sink = LogSink.fileDescriptor(writeEnd)
        let writers = 8
        let perWriter = 200
        let payload = String(repeating: "x", count: 6000)
        // Blocking pipe I/O stays off the cooperative pool: plain threads, bridged by a continuation.
        let data: Data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let collected = Mutex(Data())
                let readerDone = DispatchSemaphore(value: 0)
                Thread {
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let n = read(readEnd, &buffer, buffer.count)
                        if n <= 0 { break }
                        collected.withLock { $0.append(contentsOf: buffer[0..<n]) }
                    }
                    readerDone.signal()
                }.start()
                DispatchQueue.concurrentPerform(iterations: writers) { writer in
                    for index in 0..<perWriter {
                        sink.write(line: "{\"w\":\(writer),\"i\":\(index),\"p\":\"\(payload)\"}")
                    }
                }
                close(writeEnd)
                readerDone.wait()
                close(readEnd)
                continuation.resume(returning: collected.withLock { $0 })
            }
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == writers * perWriter)
        var seen = Set<String>()
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((object["p"] as? String)?.count == 6000)
            seen.insert("\(object["w"] ?? "")/\(object["i"] ?? "")")
        }
        #expect(seen.count == writers * perWriter)
    }
}
