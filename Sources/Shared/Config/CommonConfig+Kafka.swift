extension CommonConfig.Kafka {
    /// The librdkafka connection properties every client of these keys shares: security
    /// protocol and SASL settings, then the pass-through properties
    /// (`KAFKATRACE_KAFKA_<property>`), which win.
    public var connectionProperties: [String: String] {
        var properties: [String: String] = ["security.protocol": securityProtocol.rawValue]
        if let saslMechanism { properties["sasl.mechanism"] = saslMechanism.rawValue }
        if let saslUsername { properties["sasl.username"] = saslUsername }
        if let saslPassword { properties["sasl.password"] = saslPassword }
        properties.merge(passthrough) { _, passthrough in passthrough }
        return properties
    }
}
