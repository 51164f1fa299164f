import Foundation
import Logging
@testable import ProducerService
@testable import SharedConfig
@testable import SharedKafka
@testable import SharedLogging
@testable import SharedOrders
@testable import TestSupport
import Testing

@Suite struct ProducerConfigTests {
    @Test func defaultsMatchTheContract() throws {
        let config = try ProducerConfig.load(arguments: [], environment: [:])
        #expect(config.common.http.host == "0.0.0.0")
        #expect(config.common.http.port == 8080)
        #expect(config.common.http.maxConnections == 1024)
        #expect(config.common.http.maxBodyBytes == 1_048_576)
        #expect(config.common.http.idleTimeoutMs == 60000)
        #expect(config.common.http.requestTimeout == .seconds(10))
        #expect(config.common.log.level == .info)
        #expect(config.common.log.format == .json)
        #expect(config.common.kafka.brokers == "127.0.0.1:9092")
        #expect(config.common.kafka.topic == "food-orders")
        #expect(config.common.kafka.securityProtocol == .plaintext)
        #expect(config.common.kafka.saslMechanism == nil)
        #expect(config.common.kafka.statisticsIntervalMs == 5000)
        #expect(config.common.shutdownTimeoutMs == 25000)
        #expect(config.orders.rate == .perSecond(10))
        #expect(config.orders.jitter == 0)
        #expect(config.orders.burst == 1)
        #expect(OrderValidator.isValidInstanceID(config.instanceID) && config.instanceID.count == 8)
        #expect(config.authToken == nil)
        #expect(config.kafka.compression == .lz4)
        #expect(config.kafka.lingerMs == 5)
        #expect(config.kafka.batchSizeBytes == 1_000_000)
        #expect(config.kafka.acks == .all)
        #expect(config.kafka.queueMaxMessages == 100_000)
        #expect(config.kafka.enqueueTimeoutMs == 1000)
        #expect(config.kafka.createTopics == false)
        #expect(config.kafka.topicPartitions == 6)
        #expect(config.kafka.topicReplication == 3)
        #expect(config.kafkaPassthrough.isEmpty)
        #expect(config.effective["http.port"]?.source == .defaultValue)
    }

    /// Each pair of sources: the higher one wins and is named as the source.
    @Test(arguments: [
        // (flag, env, file, expected port, expected source kind)
        (true, true, true, 9000, "flag"),
        (true, false, true, 9000, "flag"),
        (true, true, false, 9000, "flag"),
        (false, true, true, 9001, "env"),
        (false, false, true, 9002, "file"),
        (false, false, false, 8080, "default"),
    ])
    func precedence(flag: Bool, env: Bool, file: Bool, port: Int, source: String) throws {
        try ConfigTestDirectory.with { dir in
            var arguments: [String] = []
            if flag { arguments += ["--http-port", "9000"] }
            if file { arguments += ["--config", try dir.write("c.yaml", "http:\n  port: 9002\n")] }
            let environment = env ? ["KAFKATRACE_HTTP_PORT": "9001"] : [:]
            let config = try ProducerConfig.load(arguments: arguments, environment: environment)
            #expect(config.common.http.port == port)
            let entry = try #require(config.effective["http.port"])
            switch source {
            case "flag": #expect(entry.source == .flag("--http-port"))
            case "env": #expect(entry.source == .environment("KAFKATRACE_HTTP_PORT"))
            case "file": #expect(entry.source == .file(path: dir.path + "/c.yaml", key: "http.port"))
            default: #expect(entry.source == .defaultValue)
            }
        }
    }

    @Test func flagWithEqualsSign() throws {
        let config = try ProducerConfig.load(
            arguments: ["--http-port=9000", "--kafka-brokers", "a:1,b:2", "--kafka-acks", "-1"], environment: [:])
        #expect(config.common.http.port == 9000)
        #expect(config.common.kafka.brokers == "a:1,b:2")
        #expect(config.kafka.acks == .allReplicas)
    }

    @Test func yamlFileWithNestedAndDottedKeys() throws {
        try ConfigTestDirectory.with { dir in
            let path = try dir.write(
                "p.yml",
                """
                # comment
                http: {port: 1, host: "::1"}
                log:
                  level: debug
                  format: text
                kafka.brokers: [b1:9092, b2:9093]
                kafka:
                  compression: zstd
                  create_topics: yes
                  properties:
                    ssl.ca.location: /etc/ca.pem
                    client:
                      id: kt
                order:
                  rate: unlimited
                  jitter: 0.25
                producer:
                  instance_id: ABC123
                  auth_token:
                """)
            let config = try ProducerConfig.load(arguments: ["--config", path], environment: [:])
            #expect(config.common.http.port == 1)
            #expect(config.common.http.host == "::1")
            #expect(config.common.log.level == .debug)
            #expect(config.common.log.format == .text)
            #expect(config.common.kafka.brokers == "b1:9092,b2:9093")
            #expect(config.kafka.compression == .zstd)
            #expect(config.kafka.createTopics)
            #expect(config.orders.rate == .unlimited)
            #expect(config.orders.jitter == 0.25)
            #expect(config.instanceID == "ABC123")
            #expect(config.authToken == nil)
            #expect(config.kafkaPassthrough == ["ssl.ca.location": "/etc/ca.pem", "client.id": "kt"])
        }
    }

    @Test func jsonFile() throws {
        try ConfigTestDirectory.with { dir in
            let path = try dir.write(
                "p.json",
                """
                {
                \t"http": {"port": 7000, "max_body_bytes": 2048},
                \t"kafka": {"linger_ms": 0, "create_topics": true, "properties": {"debug": "broker"}},
                \t"order.jitter": 0.5,
                \t"shutdown": {"timeout_ms": 2000}
                }
                """)
            let config = try ProducerConfig.load(arguments: ["--config", path], environment: [:])
            #expect(config.common.http.port == 7000)
            #expect(config.common.http.maxBodyBytes == 2048)
            #expect(config.kafka.lingerMs == 0)
            #expect(config.kafka.createTopics)
            #expect(config.orders.jitter == 0.5)
            #expect(config.common.shutdownTimeout == .seconds(2))
            #expect(config.kafkaPassthrough == ["debug": "broker"])
        }
    }

    @Test func fileWithUnknownKeyIsRejected() throws {
        try ConfigTestDirectory.with { dir in
            let path = try dir.write("bad.yaml", "http:\n  prot: 1\n")
            let error = #expect(throws: ConfigError.self) {
                try ProducerConfig.load(arguments: ["--config", path], environment: [:])
            }
            #expect(error == .unknownFileKey(key: "http.prot", path: path, suggestion: "http.port"))
            #expect(error?.description.contains("unknown key http.prot in \(path) (did you mean http.port?)") == true)
        }
    }

    @Test func helpIsTheCatalogsHelp() {
        #expect(ProducerConfig.helpText == ConfigHelp.text(for: .producer))
    }

    @Test func fileMayCarryTheOtherDaemonsKeys() throws {
        try ConfigTestDirectory.with { dir in
            let path = try dir.write("shared.yaml", "postgres:\n  sslmode: require\norder:\n  rate: 5\n")
            #expect(try ProducerConfig.load(arguments: ["--config", path], environment: [:]).orders.rate == .perSecond(5))
        }
    }

    @Test func fileErrors() throws {
        try ConfigTestDirectory.with { dir in
            let missing = dir.path + "/nope.yaml"
            let unreadable = #expect(throws: ConfigError.self) {
                try ProducerConfig.load(arguments: ["--config", missing], environment: [:])
            }
            #expect(unreadable?.description.hasPrefix("cannot read \(missing)") == true)
            let toml = try dir.write("c.toml", "a = 1")
            #expect(throws: ConfigError.unsupportedFileType(path: toml)) {
                try ProducerConfig.load(arguments: ["--config", toml], environment: [:])
            }
            let broken = try dir.write("b.json", "{\"http\": ")
            let malformed = #expect(throws: ConfigError.self) {
                try ProducerConfig.load(arguments: ["--config", broken], environment: [:])
            }
            #expect(malformed?.description.hasPrefix("config file \(broken) is not valid") == true)
            let list = try dir.write("l.yaml", "- a\n- b\n")
            #expect(throws: ConfigError.malformedFile(path: list, reason: "the top level must be a mapping of keys")) {
                try ProducerConfig.load(arguments: ["--config", list], environment: [:])
            }
        }
    }

    /// Every enum-like key: the error names key, value, every allowed value and the source.
    @Test(arguments: [
        ("log.level", "KAFKATRACE_LOG_LEVEL", "loud", "one of trace, debug, info, notice, warning, error, critical"),
        ("log.format", "KAFKATRACE_LOG_FORMAT", "xml", "one of json, text"),
        ("kafka.security_protocol", "KAFKATRACE_KAFKA_SECURITY_PROTOCOL", "tls", "one of plaintext, ssl, sasl_plaintext, sasl_ssl"),
        ("kafka.sasl_mechanism", "KAFKATRACE_KAFKA_SASL_MECHANISM", "GSSAPI", "one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"),
        ("kafka.compression", "KAFKATRACE_KAFKA_COMPRESSION", "lzma", "one of none, gzip, snappy, lz4, zstd"),
        ("kafka.acks", "KAFKATRACE_KAFKA_ACKS", "1", "one of all, -1 (idempotence requires all)"),
        ("kafka.create_topics", "KAFKATRACE_KAFKA_CREATE_TOPICS", "maybe", "a boolean (true/false, yes/no, on/off, 1/0)"),
        ("order.rate", "KAFKATRACE_ORDER_RATE", "fast", "a number of orders/s in 0–1000000000 (0 disables the generator) or unlimited"),
    ])
    func enumKeyErrorNamesKeyValueAllowedAndSource(key: String, env: String, value: String, allowed: String) {
        let error = #expect(throws: ConfigError.self) {
            try ProducerConfig.load(arguments: [], environment: [env: value])
        }
        #expect(error?.description == "\(key)=\(value) is not \(allowed) (from \(env))")
    }

    @Test func compressionErrorTextIsExact() {
        let error = #expect(throws: ConfigError.self) {
            try ProducerConfig.load(arguments: [], environment: ["KAFKATRACE_KAFKA_COMPRESSION": "lzma"])
        }
        #expect(error?.description == "kafka.compression=lzma is not one of none, gzip, snappy, lz4, zstd (from KAFKATRACE_KAFKA_COMPRESSION)")
    }

    @Test(arguments: [
        (["--http-port", "70000"], "http.port=70000 is not an integer in 0–65535 (0 = ephemeral, for tests) (from --http-port)"),
        (["--http-host", "localhost"], "http.host=localhost is not an IPv4 or IPv6 address literal (from --http-host)"),
        (["--kafka-brokers", "nohost"], "kafka.brokers=nohost is not a list host:port[,host:port...] (from --kafka-brokers)"),
        (["--kafka-topic", "bad topic"], "kafka.topic=bad topic is not a Kafka topic name (1–249 of a-z A-Z 0-9 . _ -) (from --kafka-topic)"),
        (["--order-jitter", "1.5"], "order.jitter=1.5 is not a number in 0.0–1.0 (from --order-jitter)"),
        (["--producer-instance-id", "abc"], "producer.instance_id=abc is not 4–16 characters A-Z 0-9 (from --producer-instance-id)"),
        (["--kafka-statistics-interval-ms", "50"], "kafka.statistics_interval_ms=50 is not 0 (off) or an integer in 100–86400000 (from --kafka-statistics-interval-ms)"),
    ])
    func rangeErrors(arguments: [String], message: String) {
        let error = #expect(throws: ConfigError.self) {
            try ProducerConfig.load(arguments: arguments, environment: [:])
        }
        #expect(error?.description == message)
    }

    @Test func valuesAreCaseInsensitiveAndNormalized() throws {
        let config = try ProducerConfig.load(
            arguments: ["--log-level", "DEBUG", "--kafka-sasl-mechanism", "scram-sha-512"],
            environment: [
                "KAFKATRACE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKATRACE_KAFKA_SASL_USERNAME": "u",
                "KAFKATRACE_KAFKA_SASL_PASSWORD": "p", "KAFKATRACE_ORDER_RATE": "0",
            ])
        #expect(config.common.log.level == .debug)
        #expect(config.common.kafka.saslMechanism == .scramSHA512)
        #expect(config.common.kafka.securityProtocol == .saslSSL)
        #expect(config.orders.rate == .perSecond(0) && !config.orders.rate.isEnabled)
        #expect(config.effective["kafka.sasl_mechanism"]?.value == "SCRAM-SHA-512")
    }

    @Test func saslNeedsCredentialsAndPlaintextRefusesThem() {
        let missing = #expect(throws: ConfigError.self) {
            try ProducerConfig.load(arguments: ["--kafka-security-protocol", "sasl_plaintext"], environment: [:])
        }
        #expect(missing?.description == "kafka.security_protocol=sasl_plaintext needs kafka.sasl_mechanism, kafka.sasl_username, kafka.sasl_password to be set")
        let extra = #expect(throws: ConfigError.self) {
            try ProducerConfig.load(arguments: ["--kafka-sasl-username", "u"], environment: [:])
        }
        #expect(extra?.description.hasPrefix("kafka.sasl_username set but kafka.security_protocol=plaintext does not use SASL") == true)
    }

    @Test func createTopicsAliasAndBareBooleanFlag() throws {
        #expect(try ProducerConfig.load(arguments: [], environment: ["KAFKATRACE_CREATE_TOPICS": "true"]).kafka.createTopics)
        let both = try ProducerConfig.load(
            arguments: [], environment: ["KAFKATRACE_CREATE_TOPICS": "true", "KAFKATRACE_KAFKA_CREATE_TOPICS": "false"])
        #expect(both.kafka.createTopics == false)
        #expect(try ProducerConfig.load(arguments: ["--kafka-create-topics"], environment: [:]).kafka.createTopics)
        let explicit = try ProducerConfig.load(arguments: ["--kafka-create-topics", "false", "--http-port", "1"], environment: [:])
        #expect(explicit.kafka.createTopics == false && explicit.common.http.port == 1)
        #expect(try ProducerConfig.load(arguments: ["--kafka-create-topics=no"], environment: [:]).kafka.createTopics == false)
    }

    @Test func unknownEnvironmentVariableIsRejected() {
        let error = #expect(throws: ConfigError.self) {
            try ProducerConfig.load(arguments: [], environment: ["KAFKATRACE_HTTP_PROT": "1", "HOME": "/root"])
        }
        #expect(error == .unknownEnvironmentVariable(name: "KAFKATRACE_HTTP_PROT", suggestion: "KAFKATRACE_HTTP_PORT"))
    }

    @Test func passthroughFromEnvironmentOverridesFile() throws {
        try ConfigTestDirectory.with { dir in
            let path = try dir.write(
                "p.yaml", "kafka:\n  properties:\n    ssl.ca.location: /file/ca.pem\n    socket.keepalive.enable: true\n")
            let config = try ProducerConfig.load(
                arguments: ["--config", path],
                environment: [
                    "KAFKATRACE_KAFKA_ssl.ca.location": "/env/ca.pem", "KAFKATRACE_KAFKA_debug": "broker,topic",
                ])
            #expect(config.kafkaPassthrough == [
                "ssl.ca.location": "/env/ca.pem", "socket.keepalive.enable": "true", "debug": "broker,topic",
            ])
            #expect(config.effective["kafka.properties.ssl.ca.location"]?.source == .environment("KAFKATRACE_KAFKA_ssl.ca.location"))
            #expect(config.effective["kafka.properties.socket.keepalive.enable"]?.source
                == .file(path: path, key: "kafka.properties.socket.keepalive.enable"))
        }
    }

    @Test func passthroughMayNotShadowTypedKeys() {
        let error = #expect(throws: ConfigError.self) {
            try ProducerConfig.load(arguments: [], environment: ["KAFKATRACE_KAFKA_bootstrap.servers": "x:1"])
        }
        #expect(error?.description == "librdkafka property bootstrap.servers is set by kafka.brokers; use that key instead (from KAFKATRACE_KAFKA_bootstrap.servers)")
    }

    @Test func secretsFromFilesAreTrimmedAndConflictWithDirectValues() throws {
        try ConfigTestDirectory.with { dir in
            let passwordFile = try dir.write("pw", "  s3cr3t-from-file\n\n")
            let tokenFile = try dir.write("token", "tok-123\r\n")  // a file saved with CRLF
            let environment = [
                "KAFKATRACE_KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKATRACE_KAFKA_SASL_MECHANISM": "PLAIN",
                "KAFKATRACE_KAFKA_SASL_USERNAME": "svc", "KAFKATRACE_KAFKA_SASL_PASSWORD_FILE": passwordFile,
                "KAFKATRACE_PRODUCER_AUTH_TOKEN_FILE": tokenFile,
            ]
            let config = try ProducerConfig.load(arguments: [], environment: environment)
            #expect(config.common.kafka.saslPassword == "s3cr3t-from-file")
            #expect(config.authToken == "tok-123")
            #expect(config.effective["kafka.sasl_password"]?.source
                == .environmentFile(variable: "KAFKATRACE_KAFKA_SASL_PASSWORD_FILE", path: passwordFile))

            var both = environment
            both["KAFKATRACE_KAFKA_SASL_PASSWORD"] = "direct"
            let conflict = #expect(throws: ConfigError.self) { try ProducerConfig.load(arguments: [], environment: both) }
            #expect(conflict?.description.hasPrefix("kafka.sasl_password is set twice, by KAFKATRACE_KAFKA_SASL_PASSWORD and by KAFKATRACE_KAFKA_SASL_PASSWORD_FILE=") == true)

            var missing = environment
            missing["KAFKATRACE_KAFKA_SASL_PASSWORD_FILE"] = dir.path + "/absent"
            let unreadable = #expect(throws: ConfigError.self) { try ProducerConfig.load(arguments: [], environment: missing) }
            #expect(unreadable?.description.hasPrefix("cannot read \(dir.path)/absent") == true)
            #expect(unreadable?.description.hasSuffix("(from KAFKATRACE_KAFKA_SASL_PASSWORD_FILE=\(dir.path)/absent)") == true)
        }
    }

    @Test func renderEffectiveRedactsEverySecret() throws {
        try ConfigTestDirectory.with { dir in
            let path = try dir.write("p.yaml", "kafka:\n  properties:\n    ssl.key.password: keypass-XYZ\n")
            let config = try ProducerConfig.load(
                arguments: ["--config", path, "--producer-auth-token", "token-ABC"],
                environment: [
                    "KAFKATRACE_KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKATRACE_KAFKA_SASL_MECHANISM": "PLAIN",
                    "KAFKATRACE_KAFKA_SASL_USERNAME": "svc", "KAFKATRACE_KAFKA_SASL_PASSWORD": "saslpass-QRS",
                    "KAFKATRACE_KAFKA_sasl.oauthbearer.client.secret": "oauth-DEF",
                    "KAFKATRACE_KAFKA_ssl.ca.location": "/etc/ca.pem",
                ])
            let text = config.renderEffective()
            for secret in ["keypass-XYZ", "token-ABC", "saslpass-QRS", "oauth-DEF"] {
                #expect(!text.contains(secret), "secret \(secret) leaked")
            }
            #expect(text.contains("kafka.sasl_username"))
            #expect(text.contains("/etc/ca.pem"))
            let lines = text.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("kafka.sasl_password ") && $0.contains("= <redacted>") && $0.hasSuffix("# KAFKATRACE_KAFKA_SASL_PASSWORD") })
            #expect(lines.contains { $0.hasPrefix("producer.auth_token ") && $0.contains("<redacted>") && $0.hasSuffix("# --producer-auth-token") })
            #expect(lines.contains { $0.hasPrefix("kafka.properties.ssl.key.password ") && $0.contains("<redacted>") })
            #expect(lines.contains { $0.hasPrefix("http.port ") && $0.contains("= 8080") && $0.hasSuffix("# default") })
            // Every key of the table appears once.
            for spec in ConfigCatalog.keys(for: .producer) {
                #expect(lines.filter { $0.hasPrefix(spec.key + " ") }.count == 1, "\(spec.key)")
            }
        }
    }
}
