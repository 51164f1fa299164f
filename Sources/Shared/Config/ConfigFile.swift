import Foundation
import Yams

/// The `--config` file, flattened to dotted keys.
///
/// YAML (`.yaml`, `.yml`) or JSON (`.json`); keys may be nested (`http: {port: 1}`) or dotted
/// (`http.port: 1`). Scalars are kept as text and parsed like every other source. A list of
/// scalars becomes a comma-separated value (`brokers: [a:1, b:2]`). `kafka.properties` is a map of
/// librdkafka properties passed through verbatim. `null` values count as unset.
public struct ConfigFile: Sendable, Equatable {
    /// The path as given.
    let path: String
    /// Dotted key → value, without `kafka.properties.*`.
    public var values: [String: String] = [:]
    /// librdkafka property → value from `kafka.properties`.
    public var properties: [String: String] = [:]

    public static let propertiesPrefix = "kafka.properties."

    /// Reads and parses the file at `path`.
    static func load(path: String) throws(ConfigError) -> ConfigFile {
        let lower = path.lowercased()
        let isJSON = lower.hasSuffix(".json")
        guard isJSON || lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") else {
            throw .unsupportedFileType(path: path)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadableFile(path: path, reason: Self.reason(error), source: .flag("--config"))
        }
        return try parse(text, path: path, isJSON: isJSON)
    }

    /// Parses file content; `path` only names the file in errors.
    public static func parse(_ text: String, path: String, isJSON: Bool) throws(ConfigError) -> ConfigFile {
        let root: Node
        do {
            root = isJSON ? try parseJSON(text) : try parseYAML(text)
        } catch let shape as ShapeError {
            throw .malformedFile(path: path, reason: shape.reason)
        } catch {
            throw .malformedFile(path: path, reason: Self.reason(error))
        }
        guard case .map(let entries) = root else {
            throw .malformedFile(path: path, reason: "the top level must be a mapping of keys")
        }
        var file = ConfigFile(path: path)
        try file.flatten(entries, prefix: "")
        return file
    }

    private struct ShapeError: Error {
        var reason: String
    }

    /// A parsed value before flattening.
    indirect enum Node: Sendable, Decodable {
        case null
        case scalar(String)
        case list([Node])
        case map([(String, Node)])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let bool = try? container.decode(Bool.self) {
                self = .scalar(bool ? "true" : "false")
            } else if let int = try? container.decode(Int.self) {
                self = .scalar(String(int))
            } else if let double = try? container.decode(Double.self) {
                self = .scalar(String(double))
            } else if let string = try? container.decode(String.self) {
                self = .scalar(string)
            } else if let list = try? container.decode([Node].self) {
                self = .list(list)
            } else {
                let map = try container.decode([String: Node].self)
                self = .map(map.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            }
        }
    }

    private mutating func flatten(_ entries: [(String, Node)], prefix: String) throws(ConfigError) {
        for (name, node) in entries {
            let key = prefix.isEmpty ? name : prefix + "." + name
            switch node {
            case .null:
                continue
            case .map(let children):
                try flatten(children, prefix: key)
            case .scalar(let value):
                try store(key, value)
            case .list(let items):
                var parts: [String] = []
                for item in items {
                    guard case .scalar(let value) = item else {
                        throw .malformedFile(path: path, reason: "\(key) may only list plain values")
                    }
                    parts.append(value)
                }
                try store(key, parts.joined(separator: ","))
            }
        }
    }

    private mutating func store(_ key: String, _ value: String) throws(ConfigError) {
        if key.hasPrefix(Self.propertiesPrefix) {
            let property = String(key.dropFirst(Self.propertiesPrefix.count))
            guard properties.updateValue(value, forKey: property) == nil else {
                throw .malformedFile(path: path, reason: "\(key) appears twice")
            }
        } else {
            guard values.updateValue(value, forKey: key) == nil else {
                throw .malformedFile(path: path, reason: "\(key) appears twice (nested and dotted?)")
            }
        }
    }

    private static func parseJSON(_ text: String) throws -> Node {
        try JSONDecoder().decode(Node.self, from: Data(text.utf8))
    }

    private static func parseYAML(_ text: String) throws -> Node {
        guard let root = try Yams.compose(yaml: text) else { return .map([]) }
        return try convert(root)
    }

    private static func convert(_ node: Yams.Node) throws -> Node {
        switch node {
        case .scalar(let scalar):
            return scalar.tag.rawValue == Tag.Name.null.rawValue ? .null : .scalar(scalar.string)
        case .sequence(let sequence):
            return .list(try sequence.map(convert))
        case .mapping(let mapping):
            var entries: [(String, Node)] = []
            for (key, value) in mapping {
                guard let name = key.string else {
                    throw ShapeError(reason: "a mapping key is not a plain string")
                }
                entries.append((name, try convert(value)))
            }
            return .map(entries)
        case .alias:
            throw ShapeError(reason: "YAML aliases are not supported")
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context): return context.debugDescription
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
                return context.debugDescription
            @unknown default: return "\(decoding)"
            }
        }
        if let yaml = error as? YamlError { return "\(yaml)" }
        return (error as NSError).localizedDescription
    }
}

