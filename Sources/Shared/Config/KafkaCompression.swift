/// `kafka.compression`: librdkafka `compression.type`.
public enum KafkaCompression: String, ConfigChoice {
    case none, gzip, snappy, lz4, zstd
}
