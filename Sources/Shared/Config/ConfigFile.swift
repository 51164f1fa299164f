import SharedCore
import SharedJSON

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
            text = try TextFile.read(path: path)
        } catch {
            throw .unreadableFile(path: path, reason: error.description, source: .flag("--config"))
        }
        return try parse(text, path: path, isJSON: isJSON)
    }

    /// Parses file content; `path` only names the file in errors.
    public static func parse(_ text: String, path: String, isJSON: Bool) throws(ConfigError) -> ConfigFile {
        let root: Node
        if isJSON {
            do { root = Node(try JSONParser.parse(text)) } catch { throw .malformedFile(path: path, reason: "\(error)") }
        } else {
            do { root = try ConfigYAML.parse(text) } catch { throw .malformedFile(path: path, reason: "\(error)") }
        }
        guard case .map(let entries) = root else {
            throw .malformedFile(path: path, reason: "the top level must be a mapping of keys")
        }
        var file = ConfigFile(path: path)
        try file.flatten(entries, prefix: "")
        return file
    }

    /// A parsed value before flattening.
    indirect enum Node: Sendable {
        case null
        case scalar(String)
        case list([Node])
        case map([(String, Node)])

        /// The JSON value as configuration: numbers as plain decimals (`1.5`, `1000`).
        init(_ json: JSONValue) {
            switch json {
            case .null: self = .null
            case .bool(let value): self = .scalar(value ? "true" : "false")
            case .number(let number): self = .scalar(number.decimalText)
            case .string(let text): self = .scalar(text)
            case .array(let items): self = .list(items.map(Node.init))
            case .object(let members): self = .map(members.map { ($0.key, Node($0.value)) })
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
}
