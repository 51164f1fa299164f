import Foundation
import SharedKafka

#if canImport(Glibc)
    import Glibc
#endif

/// The fault-script port: one command per line, answered `ok` or `error <why>`.
/// A connection that starts with `POST ` is read as one HTTP request whose body holds the
/// command lines (so `curl --data 'broker-down 1' http://127.0.0.1:9093/` works too).
final class ControlServer: Sendable {
    let listenFD: Int32
    let port: UInt16
    let cluster: RDKafkaMockCluster

    init(listen: String, cluster: RDKafkaMockCluster) throws {
        (listenFD, port) = try DevSocket.listen(listen)
        self.cluster = cluster
    }

    func start() {
        let thread = Thread { [self] in
            while true {
                let fd = accept(listenFD, nil, nil)
                if fd < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return
                }
                let connection = Thread { [self] in
                    serve(fd)
                    close(fd)
                }
                connection.name = "control-connection"
                connection.start()
            }
        }
        thread.name = "control-accept"
        thread.start()
    }

    func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
    }

    /// Runs one command line and returns the answer line.
    func execute(_ line: String) -> String {
        switch ControlCommand.parse(line) {
        case .failure(let error):
            return "error \(error.message)"
        case .success(let command):
            do throws(KafkaError) {
                try command.apply(to: cluster)
                return "ok"
            } catch {
                return "error \(error)"
            }
        }
    }

    private func serve(_ fd: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var isHTTP: Bool?
        var httpLines: [String] = []
        var contentLength = 0
        var inBody = false
        while true {
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                pending.removeSubrange(...newline)
                if isHTTP == nil { isHTTP = line.hasPrefix("POST ") || line.hasPrefix("GET ") }
                if isHTTP == true {
                    if !inBody {
                        if line.lowercased().hasPrefix("content-length:") {
                            contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                        }
                        if line.isEmpty { inBody = true }
                    }
                    continue
                }
                if line.isEmpty { continue }
                if !write(fd, execute(line) + "\n") { return }
            }
            if isHTTP == true, inBody, pending.count >= contentLength {
                let body = String(decoding: pending.prefix(contentLength), as: UTF8.self)
                httpLines = body.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
                let answers = httpLines.isEmpty ? ["error no command in body; \(ControlCommand.usage)"] : httpLines.map(execute)
                let text = answers.joined(separator: "\n") + "\n"
                let status = answers.allSatisfy { $0 == "ok" } ? "200 OK" : "400 Bad Request"
                _ = write(
                    fd,
                    "HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n\(text)"
                )
                return
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            pending += buffer[0..<count]
        }
    }

    private func write(_ fd: Int32, _ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { DevSocket.writeAll(fd, $0) }
    }
}
