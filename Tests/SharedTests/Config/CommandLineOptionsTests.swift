@testable import SharedConfig
import Testing

@Suite struct CommandLineOptionsTests {
    @Test func controlFlags() throws {
        let options = try CommandLineOptions.parse(
            ["--config", "/etc/kt.yaml", "--check-config", "--version", "-h"], for: .producer)
        #expect(options.configFile == "/etc/kt.yaml")
        #expect(options.isCheckConfig && options.isVersion && options.isHelp)
        #expect(options.values.isEmpty)
        #expect(try CommandLineOptions.parse(["--config=/x.json"], for: .consumer).configFile == "/x.json")
    }

    @Test func unknownFlagNamesItSuggestsAndListsValidOnes() {
        let error = #expect(throws: ConfigError.self) {
            try CommandLineOptions.parse(["--http-prot", "1"], for: .producer)
        }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("unknown flag --http-prot (did you mean --http-port?); valid flags: --config, --check-config, --version, --help, --http-host"))
        #expect(text.contains("--kafka-compression"))
        #expect(!text.contains("--migrate-only"))
    }

    @Test func migrateOnlyIsConsumerOnly() throws {
        #expect(try CommandLineOptions.parse(["--migrate-only"], for: .consumer).isMigrateOnly)
        #expect(throws: ConfigError.self) { try CommandLineOptions.parse(["--migrate-only"], for: .producer) }
    }

    @Test func missingValueUnexpectedValueAndBareArgument() {
        #expect(throws: ConfigError.missingFlagValue(flag: "--http-port")) {
            try CommandLineOptions.parse(["--http-port"], for: .producer)
        }
        #expect(throws: ConfigError.missingFlagValue(flag: "--config")) {
            try CommandLineOptions.parse(["--config", "--version"], for: .producer)
        }
        #expect(throws: ConfigError.unexpectedFlagValue(flag: "--version", value: "2")) {
            try CommandLineOptions.parse(["--version=2"], for: .producer)
        }
        #expect(throws: ConfigError.unexpectedArgument("serve")) {
            try CommandLineOptions.parse(["serve"], for: .producer)
        }
    }

    @Test func lastRepeatedFlagWinsAndValuesMayStartWithDash() throws {
        let options = try CommandLineOptions.parse(["--http-port", "1", "--http-port=2", "--kafka-acks", "-1"], for: .producer)
        #expect(options.values["http.port"]?.value == "2")
        #expect(options.values["kafka.acks"] == .init(value: "-1", flag: "--kafka-acks"))
    }

    @Test func flagNamesFollowTheContractRule() {
        #expect(ConfigCatalog.spec("http.max_connections", for: .producer)?.flagName == "--http-max-connections")
        #expect(ConfigCatalog.spec("http.max_connections", for: .producer)?.environmentName == "KAFKATRACE_HTTP_MAX_CONNECTIONS")
        #expect(ConfigCatalog.spec("order.rate", for: .producer)?.environmentName == "KAFKATRACE_ORDER_RATE")
        #expect(ConfigCatalog.spec("kafka.sasl_password", for: .consumer)?.environmentFileName == "KAFKATRACE_KAFKA_SASL_PASSWORD_FILE")
    }
}
