/// `kafka.sasl_mechanism`: librdkafka `sasl.mechanism`.
enum KafkaSASLMechanism: String, ConfigChoice {
    case plain = "PLAIN"
    case scramSHA256 = "SCRAM-SHA-256"
    case scramSHA512 = "SCRAM-SHA-512"
}
