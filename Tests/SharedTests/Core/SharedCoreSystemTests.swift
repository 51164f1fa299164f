import Foundation
@testable import SharedCore
import Synchronization
import Testing

/// SharedCore's POSIX stand-ins for what the daemons took from Foundation.
@Suite struct SharedCoreSystemTests {
    @Test func textFileReadsUTF8AndSaysWhyNot() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kt-core-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let text = "a: é\n" + String(repeating: "x", count: 200_000)  // more than one read
        try text.write(toFile: directory + "/ok.yaml", atomically: true, encoding: .utf8)
        #expect(try TextFile.read(path: directory + "/ok.yaml") == text)

        #expect(throws: TextFile.ReadError(description: "No such file or directory")) {
            try TextFile.read(path: directory + "/missing.yaml")
        }
        #expect(throws: TextFile.ReadError(description: "Is a directory")) { try TextFile.read(path: directory) }
        try Data([0x61, 0xFF, 0x62]).write(to: URL(fileURLWithPath: directory + "/bad.yaml"))
        #expect(throws: TextFile.ReadError(description: "not valid UTF-8")) {
            try TextFile.read(path: directory + "/bad.yaml")
        }
    }

    @Test func environmentIsWhatTheProcessHas() {
        // Other tests set WATCHDOG_USEC and NOTIFY_SOCKET meanwhile: compare what stays put.
        let environment = ProcessEnvironment.current
        for name in ["PATH", "HOME"] {
            #expect(environment[name] == getenv(name).map { String(cString: $0) })
        }
        #expect(environment["PATH"]?.isEmpty == false)
        #expect(environment.keys.allSatisfy { !$0.contains("=") })
    }

    @Test(arguments: [
        (12.3456, 2, "12.35"), (0.5, 0, "1"), (-1.25, 1, "-1.3"), (0.001, 3, "0.001"),
        (3, 0, "3"), (0.25, 3, "0.250"),
    ] as [(Double, Int, String)])
    func fixedDecimals(value: Double, decimals: Int, text: String) {
        #expect(value.fixed(decimals: decimals) == text)
    }

    @Test func fixedOutsideItsRange() {
        #expect(Double.nan.fixed(decimals: 2) == "nan")
        #expect(Double.infinity.fixed(decimals: 2) == "inf")
        #expect((-Double.infinity).fixed(decimals: 2) == "-inf")
        #expect(1e30.fixed(decimals: 1) == String(1e30))
    }

    @Test func trimmingAndPadding() {
        #expect(" \t a b \r\n".trimmingASCIIWhitespace == "a b")
        #expect(" \n ".trimmingASCIIWhitespace == "")
        #expect("ab".padded(to: 4) == "ab  ")
        #expect("abcdef".padded(to: 4) == "abcdef")
    }

    @Test func threadsRunNamedAndKnowThemselves() async {
        let seen = Mutex<(name: String, isSelf: Bool, isCaller: Bool)?>(nil)
        let caller = OSThread.current
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            OSThread.detach(name: "kafkatrace-test-thread-long-name") {
                let me = OSThread.current
                let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
                seen.withLock { $0 = (comm.trimmingASCIIWhitespace, me == OSThread.current, me == caller) }
                done.resume()
            }
        }
        let result = seen.withLock { $0 }
        #expect(result?.name == "kafkatrace-test")  // cut to Linux's 15 bytes
        #expect(result?.isSelf == true)
        #expect(result?.isCaller == false)
    }
}
