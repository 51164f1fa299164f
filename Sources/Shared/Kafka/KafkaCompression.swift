/// librdkafka's `compression.type` values (config key `kafka.compression`).
public enum KafkaCompression: String, Sendable, CaseIterable {
    case none, gzip, snappy, lz4, zstd
}
