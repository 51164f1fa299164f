/// The table of every configuration key (docs/configuration.md), assembled from
/// the typed declarations in ``CommonKeys``, ``ProducerKeys`` and ``ConsumerKeys``.
///
/// Parsing, error messages, `--help` and `docs/configuration.md` all come from here.
public enum ConfigCatalog {
    /// The keys `service` reads, in table order (common first).
    static func keys(for service: DaemonKind) -> [ConfigKeySpec] {
        typedKeys(for: service).map(\.spec)
    }

    /// The typed keys `service` reads, in table order.
    static func typedKeys(for service: DaemonKind) -> [AnyConfigKey] {
        CommonKeys.all + (service == .producer ? ProducerKeys.all : ConsumerKeys.all)
    }

    /// Reads and checks every key `service` knows, and the pass-through properties, from these
    /// sources, without building the daemon's typed configuration (the config fuzz target and its
    /// regression test drive the whole parsing surface through this).
    public static func readEveryKey(
        for service: DaemonKind, arguments: [String], environment: [String: String]
    ) throws(ConfigError) -> EffectiveConfig {
        var resolver = try ConfigResolver(
            service: service, options: CommandLineOptions.parse(arguments, for: service), environment: environment)
        for key in typedKeys(for: service) { try key.read(&resolver) }
        _ = try resolver.passthrough()
        return EffectiveConfig(service: service, entries: resolver.entries)
    }

    /// The spec for `key` as `service` reads it, or nil when `service` does not read it.
    static func spec(_ key: String, for service: DaemonKind) -> ConfigKeySpec? {
        keys(for: service).first { $0.key == key }
    }

    /// Keys of every daemon (a shared file or environment may carry the other daemon's keys).
    static var allKeyNames: Set<String> {
        Set(DaemonKind.allCases.flatMap { keys(for: $0).map(\.key) })
    }
}
