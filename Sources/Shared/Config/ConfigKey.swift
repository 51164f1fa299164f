/// A configuration key with its type: the ``ConfigKeySpec`` (names, default, what is allowed)
/// and the parser that accepts exactly what the spec's `allowed` text says.
///
/// The factories derive the `allowed` text from the same range or value list the parser checks,
/// so each fact (a range, a default, the allowed words) is written once, in the key's declaration
/// (``CommonKeys``, ``ProducerKeys``, ``ConsumerKeys``), and drives validation, `--help` and
/// docs/configuration.md alike.
public struct ConfigKey<Value: Sendable>: Sendable {
    let spec: ConfigKeySpec
    let parse: @Sendable (String) -> Value?
    let display: @Sendable (Value) -> String

    init(
        spec: ConfigKeySpec, parse: @escaping @Sendable (String) -> Value?,
        display: @escaping @Sendable (Value) -> String = { "\($0)" }
    ) {
        self.spec = spec
        self.parse = parse
        self.display = display
    }

    /// The dotted key, e.g. `http.port`.
    public var name: String { spec.key }
}

extension ConfigKey where Value == Int {
    /// An integer in `range`; `zero`, when given, also allows 0 with that meaning ("off").
    static func integer(
        _ key: String, scope: ConfigKeySpec.Scope, default value: Int?, range: ClosedRange<Int>,
        zero: String? = nil, unit: String? = nil, note: String? = nil, summary: String,
        defaults: [DaemonKind: String] = [:]
    ) -> ConfigKey<Int> {
        let bounds = range.upperBound >= Int(Int32.max) && unit == nil
            ? "≥ \(range.lowerBound)" : "in \(range.lowerBound)–\(range.upperBound)"
        var allowed = "an integer\(unit.map { " number of \($0)" } ?? "") \(bounds)"
        if let zero { allowed = "0 (\(zero)) or " + allowed }
        if let note { allowed += " (\(note))" }
        return ConfigKey(
            spec: ConfigKeySpec(
                key, scope: scope, defaultValue: value.map(String.init), allowed: allowed, summary: summary,
                serviceDefaults: defaults),
            parse: { text in
                guard let number = ConfigParsing.parseInt(text, in: Int.min...Int.max) else { return nil }
                return range.contains(number) || (zero != nil && number == 0) ? number : nil
            })
    }
}

extension ConfigKey where Value == Double {
    /// A finite number in `range`.
    static func number(
        _ key: String, scope: ConfigKeySpec.Scope, default value: Double, range: ClosedRange<Double>, summary: String
    ) -> ConfigKey<Double> {
        ConfigKey(
            spec: ConfigKeySpec(
                key, scope: scope, defaultValue: ConfigParsing.plain(value),
                allowed: "a number in \(range.lowerBound)–\(range.upperBound)",
                summary: summary),
            parse: { ConfigParsing.parseDouble($0, in: range) })
    }
}

extension ConfigKey where Value == Bool {
    /// true/false, yes/no, on/off, 1/0; as a flag, `--key` alone means true.
    static func boolean(
        _ key: String, scope: ConfigKeySpec.Scope, default value: Bool, summary: String,
        environmentAliases: [String] = []
    ) -> ConfigKey<Bool> {
        ConfigKey(
            spec: ConfigKeySpec(
                key, scope: scope, defaultValue: String(value), allowed: "a boolean (true/false, yes/no, on/off, 1/0)",
                summary: summary, environmentAliases: environmentAliases, isBoolean: true),
            parse: ConfigParsing.parseBool)
    }
}

extension ConfigKey where Value: ConfigChoice {
    /// One of `Value`'s cases (case-insensitive); `note` follows the list in the allowed text.
    static func choice(
        _ key: String, scope: ConfigKeySpec.Scope, default value: Value?, note: String? = nil, summary: String
    ) -> ConfigKey<Value> {
        let words = Value.allCases.map(\.rawValue).joined(separator: ", ")
        return ConfigKey(
            spec: ConfigKeySpec(
                key, scope: scope, defaultValue: value?.rawValue,
                allowed: "one of \(words)\(note.map { " (\($0))" } ?? "")", summary: summary),
            parse: { Value(configText: $0) }, display: \.rawValue)
    }
}

extension ConfigKey where Value == String {
    /// Text that `rule` accepts (the rule's description is the allowed text).
    static func text(
        _ key: String, scope: ConfigKeySpec.Scope, default value: String?, defaultNote: String? = nil,
        rule: ConfigTextRule = .nonEmpty, summary: String, isSecret: Bool = false
    ) -> ConfigKey<String> {
        ConfigKey(
            spec: ConfigKeySpec(
                key, scope: scope, defaultValue: value, defaultNote: defaultNote, allowed: rule.allowed,
                summary: summary, isSecret: isSecret),
            parse: rule.normalize)
    }
}
