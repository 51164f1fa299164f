/// The parsed command line: the flags that are not configuration (`--config`, `--check-config`,
/// `--version`, `--help`, consumer `--migrate-only`) plus configuration values given as flags.
///
/// Accepted forms: `--http-port 9000` and `--http-port=9000`. Boolean keys may be given bare
/// (`--kafka-create-topics`). Unknown flags and bare arguments are errors.
public struct CommandLineOptions: Sendable, Equatable {
    /// `--config FILE`: a YAML (`.yaml`/`.yml`) or JSON (`.json`) file.
    var configFile: String?
    /// `--check-config`: print the effective configuration and exit.
    public var isCheckConfig = false
    /// `--version`: print the version and exit.
    public var isVersion = false
    /// `--help` / `-h`: print the help text and exit.
    public var isHelp = false
    /// `--migrate-only` (consumer): run database migrations and exit.
    public var isMigrateOnly = false
    /// Configuration values from flags: dotted key → value and the flag as written.
    public var values: [String: FlagValue] = [:]

    /// A configuration value given on the command line.
    public struct FlagValue: Sendable, Equatable {
        public var value: String
        public var flag: String
    }

    public init() {}

    /// The non-configuration flags `service` accepts.
    static func controlFlags(for service: DaemonKind) -> [String] {
        var flags = ["--config", "--check-config", "--version", "--help"]
        if service == .consumer { flags.append("--migrate-only") }
        return flags
    }

    /// Every flag `service` accepts, control flags first.
    static func validFlags(for service: DaemonKind) -> [String] {
        controlFlags(for: service) + ConfigCatalog.keys(for: service).map(\.flagName)
    }

    /// Parses `arguments` (without the program name, i.e. `CommandLine.arguments.dropFirst()`).
    public static func parse(
        _ arguments: some Collection<String>, for service: DaemonKind
    ) throws(ConfigError) -> CommandLineOptions {
        let specsByFlag = Dictionary(
            ConfigCatalog.keys(for: service).map { ($0.flagName, $0) }, uniquingKeysWith: { a, _ in a })
        var options = CommandLineOptions()
        let args = Array(arguments)
        var index = 0
        while index < args.count {
            let arg = args[index]
            index += 1
            guard arg.hasPrefix("-"), arg.count > 1 else { throw .unexpectedArgument(arg) }
            var name = arg
            var inlineValue: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inlineValue = String(arg[arg.index(after: eq)...])
            }
            // Takes the next argument as this flag's value unless it is another flag.
            func takeValue() throws(ConfigError) -> String {
                if let inlineValue { return inlineValue }
                guard index < args.count, !args[index].hasPrefix("--") else { throw .missingFlagValue(flag: name) }
                index += 1
                return args[index - 1]
            }
            func noValue() throws(ConfigError) {
                if let inlineValue { throw .unexpectedFlagValue(flag: name, value: inlineValue) }
            }
            switch name {
            case "--config": options.configFile = try takeValue()
            case "--check-config": try noValue(); options.isCheckConfig = true
            case "--version": try noValue(); options.isVersion = true
            case "--help", "-h": try noValue(); options.isHelp = true
            case "--migrate-only" where service == .consumer: try noValue(); options.isMigrateOnly = true
            default:
                guard let spec = specsByFlag[name] else {
                    let valid = validFlags(for: service)
                    throw .unknownFlag(
                        flag: name, suggestion: ConfigSuggestion.closest(to: name, in: valid), validFlags: valid)
                }
                let value: String
                if spec.isBoolean, inlineValue == nil {
                    // `--kafka-create-topics` alone means true; a following boolean word is its value.
                    if index < args.count, ConfigParsing.parseBool(args[index]) != nil {
                        value = args[index]
                        index += 1
                    } else {
                        value = "true"
                    }
                } else {
                    value = try takeValue()
                }
                options.values[spec.key] = FlagValue(value: value, flag: name)
            }
        }
        return options
    }
}
