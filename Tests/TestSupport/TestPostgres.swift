import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL 15 server for integration tests.
///
/// Each instance has its own temp dir (`/tmp/ktpg-<pid>-XXXXXX`: data dir, unix socket, logs)
/// and its own free port on 127.0.0.1, so suites can run in parallel. fsync and synchronous
/// commit are off (speed; nothing here must survive a crash). When the tests run as root,
/// initdb/pg_ctl run as the `postgres` user (the server refuses root). Set
/// `KAFKATRACE_PG_BIN` to use another PostgreSQL bin directory.
///
/// Use `withTestPostgres { pg in ... }`: it always stops the server and deletes the dir.
/// `stop()`/`start()` restart the same data dir on the same port (reconnect tests).
/// Leftovers of crashed test runs (dead owner pid) are removed by the next `create()`.
final class TestPostgres: Sendable {
    static let binDirectory =
        ProcessInfo.processInfo.environment["KAFKATRACE_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
    static let databaseName = "kafkatrace_test"
    static let serverUser = "postgres"

    /// Temp root of this instance.
    let directory: String
    /// TCP port on 127.0.0.1.
    let port: Int

    var dataDirectory: String { directory + "/data" }
    var logFile: String { directory + "/server.log" }
    /// libpq URI of the test database (superuser `postgres`, trust auth, no TLS).
    var url: String { "postgresql://postgres@127.0.0.1:\(port)/\(Self.databaseName)?sslmode=disable" }

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    /// initdb + start + CREATE DATABASE.
    static func create() async throws -> TestPostgres {
        sweepStaleDirectories()
        let directory = try makeTemporaryDirectory()
        do {
            try await runChecked(bin("initdb"), [
                "-D", directory + "/data", "-U", serverUser, "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-sync", "--no-instructions",
            ], asServerUser: true, logDirectory: directory)
            let config = """

                # kafkatrace test fixture
                listen_addresses = '127.0.0.1'
                unix_socket_directories = '\(directory)'
                fsync = off
                synchronous_commit = on
                full_page_writes = off
                shared_buffers = 16MB
                max_connections = 40

                """
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/data/postgresql.conf"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(config.utf8))
            try handle.close()

            var lastError: (any Error)?
            for _ in 0..<5 {
                let server = TestPostgres(directory: directory, port: try freePort())
                do {
                    try await server.start()
                } catch {
                    lastError = error  // most likely the port was taken meanwhile: try another
                    continue
                }
                do {
                    try await runChecked(bin("createdb"), [
                        "-h", "127.0.0.1", "-p", String(server.port), "-U", serverUser, databaseName,
                    ], asServerUser: false, logDirectory: directory)
                } catch {
                    await server.destroy()
                    throw error
                }
                return server
            }
            throw lastError ?? TestPostgresError(message: "could not start PostgreSQL")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Starts the server on the same data dir and port; returns when it accepts connections.
    func start() async throws {
        try await Self.runChecked(Self.bin("pg_ctl"), [
            "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", "-p \(port)", "start",
        ], asServerUser: true, logDirectory: directory, logTail: logFile)
    }

    /// Stops the server (`pg_ctl stop -m fast`): clients get 57P01 and lose their connections.
    func stop() async throws {
        try await Self.runChecked(Self.bin("pg_ctl"), [
            "-D", dataDirectory, "-w", "-t", "60", "-m", "fast", "stop",
        ], asServerUser: true, logDirectory: directory, logTail: logFile)
    }

    /// Stops the server at once (`-m immediate`, errors ignored) and deletes the temp dir.
    func destroy() async {
        if FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") {
            _ = try? await Self.run(Self.bin("pg_ctl"), [
                "-D", dataDirectory, "-w", "-t", "30", "-m", "immediate", "stop",
            ], asServerUser: true, logDirectory: directory)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Processes

    private static func bin(_ name: String) -> String { binDirectory + "/" + name }

    private static var isRoot: Bool { geteuid() == 0 }

    /// Runs a command, output into `<logDirectory>/commands.log`; throws with the output (and
    /// the tail of `logTail`) when it exits non-zero.
    private static func runChecked(
        _ executable: String, _ arguments: [String], asServerUser: Bool, logDirectory: String,
        logTail: String? = nil
    ) async throws {
        let (status, output) = try await run(executable, arguments, asServerUser: asServerUser, logDirectory: logDirectory)
        guard status == 0 else {
            let serverLog = logTail.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
            let tail = serverLog.split(separator: "\n").suffix(15).joined(separator: "\n")
            throw TestPostgresError(
                message: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(output)\n\(tail)")
        }
    }

    /// Runs a command with `posix_spawn` and reaps it with a blocking `waitpid` on a
    /// Dispatch thread (not the cooperative pool). Foundation's `Process` is not used: under
    /// the test runner its termination handler sometimes never fires (children stay zombies).
    private static func run(
        _ executable: String, _ arguments: [String], asServerUser: Bool, logDirectory: String
    ) async throws -> (Int32, String) {
        var argv = [executable] + arguments
        if asServerUser && isRoot { argv = ["/usr/sbin/runuser", "-u", serverUser, "--"] + argv }
        let outputPath = logDirectory + "/command-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        // Without the systemd variables: Debian's PostgreSQL speaks sd_notify, and the lifecycle
        // suites point NOTIFY_SOCKET at their own stub socket while these tests run in parallel.
        let environment = ProcessInfo.processInfo.environment
            .filter { !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"].contains($0.key) }
            .map { "\($0.key)=\($0.value)" }
        var cEnvironment = environment.map { strdup($0) } + [nil]
        defer { for pointer in cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, &cEnvironment)
        guard spawned == 0 else {
            throw TestPostgresError(message: "posix_spawn \(argv[0]) failed: errno \(spawned)")
        }
        let child = pid
        let status: Int32 = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var raw: Int32 = 0
                while waitpid(child, &raw, 0) < 0 && errno == EINTR {}
                // WIFEXITED ? WEXITSTATUS : 128 + signal
                let exitCode = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                continuation.resume(returning: exitCode)
            }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (status, text)
    }

    // MARK: Files and ports

    /// `/tmp/ktpg-<pid>-XXXXXX`, owned by the server user when running as root.
    private static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/ktpg-\(getpid())-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TestPostgresError(message: "mkdtemp failed: errno \(errno)")
        }
        let path = String(cString: made)
        if isRoot {
            guard let user = getpwnam(serverUser) else {
                throw TestPostgresError(message: "user \(serverUser) does not exist (apt-get install postgresql-15)")
            }
            guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw TestPostgresError(message: "chown \(path) to \(serverUser) failed: errno \(errno)")
            }
        }
        return path
    }

    /// Removes `/tmp/ktpg-<pid>-*` dirs whose test process is gone (SIGQUIT to their server first).
    private static func sweepStaleDirectories() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/tmp") else { return }
        for name in names where name.hasPrefix("ktpg-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let owner = pid_t(parts[1]), owner != getpid() else { continue }
            if kill(owner, 0) == 0 || errno != ESRCH { continue }
            let directory = "/tmp/" + name
            if let pidFile = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8),
                let line = pidFile.split(separator: "\n").first, let serverPID = pid_t(line)
            {
                kill(serverPID, SIGQUIT)
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// A port that was free on 127.0.0.1 a moment ago (bind to port 0, read it back, close).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestPostgresError(message: "socket failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestPostgresError(message: "bind 127.0.0.1:0 failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestPostgresError(message: "getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A fixture failure (initdb/pg_ctl/createdb output included).
struct TestPostgresError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `body` with a fresh PostgreSQL server and always stops and deletes it afterwards,
/// also when `body` throws.
func withTestPostgres<T>(_ body: (TestPostgres) async throws -> T) async throws -> T {
    let server = try await TestPostgres.create()
    do {
        let value = try await body(server)
        await server.destroy()
        return value
    } catch {
        await server.destroy()
        throw error
    }
}
