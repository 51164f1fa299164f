import Foundation

/// A temporary directory for config files and secret files, removed by `remove()`.
struct ConfigTestDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kt-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `content` to `name` inside the directory and returns its path.
    func write(_ name: String, _ content: String) throws -> String {
        let file = path + "/" + name
        try content.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs `body` with a fresh directory and always removes it.
    static func with<T>(_ body: (ConfigTestDirectory) throws -> T) throws -> T {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        return try body(directory)
    }
}
