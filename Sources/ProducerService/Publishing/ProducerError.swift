import SharedKafka

/// Errors that end the producer daemon (exit code 1).

enum ProducerError: Error, Sendable, CustomStringConvertible {
    /// librdkafka reported a fatal error (e.g. idempotent producer fenced or sequence lost):
    /// the producer instance cannot be used any more.
    case fatalKafkaError(KafkaError)
    /// The shutdown flush ended with messages still undelivered.
    case undeliveredAtShutdown(count: Int, timeout: Duration)
    /// The generator could not hand an order to Kafka for a reason other than a full queue.
    case generatorFailed(KafkaError)

    var description: String {
        switch self {
        case .fatalKafkaError(let error):
            "fatal Kafka producer error, the producer cannot continue and the daemon exits: \(error)"
        case .undeliveredAtShutdown(let count, let timeout):
            "\(count) message(s) were still undelivered when the shutdown flush gave up after \(timeout) "
                + "(raise shutdown.timeout_ms or check the brokers)"
        case .generatorFailed(let error):
            "the order generator could not publish: \(error)"
        }
    }
}
