import SharedKafka

extension CommonConfig.Kafka {
    /// The librdkafka connection properties of a `role` client of these keys: security protocol
    /// and SASL settings, then the pass-through properties (`KAFKATRACE_KAFKA_<property>`) that
    /// librdkafka defines for that role, which win. A consumer-only property thus reaches the
    /// group consumer but not the dead-letter producer, and a producer-only one the reverse.
    public func connectionProperties(for role: KafkaClientRole) -> [String: String] {
        var properties: [String: String] = ["security.protocol": securityProtocol.rawValue]
        if let saslMechanism { properties["sasl.mechanism"] = saslMechanism.rawValue }
        if let saslUsername { properties["sasl.username"] = saslUsername }
        if let saslPassword { properties["sasl.password"] = saslPassword }
        properties.merge(role.applicable(passthrough)) { _, passthrough in passthrough }
        return properties
    }
}
