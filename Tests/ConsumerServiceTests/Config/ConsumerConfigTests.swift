@testable import ConsumerService
@testable import SharedConfig
@testable import SharedPostgres
@testable import TestSupport
import Testing

@Suite struct ConsumerConfigTests {
    @Test func defaultsMatchTheContract() throws {
        let config = try ConsumerConfig.load(arguments: [], environment: [:])
        #expect(config.common.http.port == 8081)
        #expect(config.kafka.groupID == "order-processors")
        #expect(config.kafka.dlqTopic == "food-orders.dlq")
        #expect(config.kafka.sessionTimeoutMs == 10000)
        #expect(config.postgres.url == "postgresql://kafkatrace@127.0.0.1:5432/kafkatrace")
        #expect(config.postgres.sslMode == .prefer)
        #expect(config.consumer.batchSize == 500)
        #expect(config.consumer.batchMaxWait == .milliseconds(50))
        #expect(config.consumer.breakerFailures == 5)
        #expect(config.consumer.breakerResetMs == 5000)
        #expect(config.consumer.joinGraceMs == 30000)
        #expect(config.consumer.stallAfter == .seconds(60))
        #expect(config.options.isMigrateOnly == false)
    }

    @Test func fileMayCarryTheOtherDaemonsKeys() throws {
        try ConfigTestDirectory.with { dir in
            let path = try dir.write("shared.yaml", "postgres:\n  sslmode: require\norder:\n  rate: 5\n")
            #expect(try ConsumerConfig.load(arguments: ["--config", path], environment: [:]).postgres.sslMode == .require)
        }
    }

    @Test func migrateOnlyAndConsumerKeys() throws {
        let config = try ConsumerConfig.load(
            arguments: ["--migrate-only", "--consumer-batch-size", "1000", "--postgres-sslmode=verify-full"],
            environment: ["KAFKATRACE_KAFKA_GROUP_ID": "g2", "KAFKATRACE_CONSUMER_BATCH_SIZE": "7"])
        #expect(config.options.isMigrateOnly)
        #expect(config.consumer.batchSize == 1000)
        #expect(config.postgres.sslMode == .verifyFull)
        #expect(config.kafka.groupID == "g2")
    }

    @Test func sslmodeErrorNamesAllowedValues() {
        let error = #expect(throws: ConfigError.self) {
            try ConsumerConfig.load(arguments: [], environment: ["KAFKATRACE_POSTGRES_SSLMODE": "strict"])
        }
        #expect(error?.description == "postgres.sslmode=strict is not one of disable, allow, prefer, require, verify-ca, verify-full (from KAFKATRACE_POSTGRES_SSLMODE)")
    }

    @Test func consumerRangeErrors() {
        let error = #expect(throws: ConfigError.self) {
            try ConsumerConfig.load(arguments: ["--consumer-batch-size", "50001"], environment: [:])
        }
        #expect(error?.description == "consumer.batch_size=50001 is not an integer in 1–50000 (from --consumer-batch-size)")
    }

    @Test func stallThresholdIsReadAndBounded() throws {
        let config = try ConsumerConfig.load(arguments: [], environment: ["KAFKATRACE_CONSUMER_STALL_AFTER_MS": "5000"])
        #expect(config.consumer.stallAfter == .seconds(5))
        let error = #expect(throws: ConfigError.self) {
            try ConsumerConfig.load(arguments: ["--consumer-stall-after-ms", "999"], environment: [:])
        }
        #expect(error?.description == "consumer.stall_after_ms=999 is not an integer in 1000–3600000 (from --consumer-stall-after-ms)")
    }

    @Test func producerFlagsAreUnknownToTheConsumer() {
        let error = #expect(throws: ConfigError.self) {
            try ConsumerConfig.load(arguments: ["--order-rate", "5"], environment: [:])
        }
        guard case .unknownFlag(let flag, _, let valid)? = error else {
            Issue.record("expected unknownFlag, got \(String(describing: error))")
            return
        }
        #expect(flag == "--order-rate")
        #expect(valid.contains("--migrate-only") && valid.contains("--postgres-url"))
    }

    @Test func postgresPasswordIsRedactedButTheRestShows() throws {
        try ConfigTestDirectory.with { dir in
            let urlFile = try dir.write("url", "postgresql://app:pg-S3CRET@db.example:5432/orders?sslmode=require\n")
            let config = try ConsumerConfig.load(arguments: [], environment: ["KAFKATRACE_POSTGRES_URL_FILE": urlFile])
            #expect(config.postgres.url == "postgresql://app:pg-S3CRET@db.example:5432/orders?sslmode=require")
            let text = config.renderEffective()
            #expect(!text.contains("pg-S3CRET"))
            #expect(text.contains("postgresql://app:<redacted>@db.example:5432/orders?sslmode=require"))
        }
    }

    @Test func consumerReadsTheOtherDaemonsEnvironmentWithoutComplaint() throws {
        let config = try ConsumerConfig.load(
            arguments: [], environment: ["KAFKATRACE_ORDER_RATE": "3", "KAFKATRACE_HTTP_PORT": "9100"])
        #expect(config.common.http.port == 9100)
        #expect(config.effective["order.rate"] == nil)
    }
}
