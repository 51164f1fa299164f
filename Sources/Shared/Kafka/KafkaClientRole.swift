/// Which kind of librdkafka client a setting is for.
public enum KafkaClientRole: Sendable, Hashable {
    case producer
    case consumer

    /// The subset of `properties` librdkafka defines for this role (its documented `C/P`
    /// column). Properties it does not know stay in, so librdkafka itself refuses a typo with a
    /// clear error. Pass-through properties go through this so a consumer-only property meant for
    /// the group consumer never reaches the same daemon's producer (librdkafka would warn
    /// `CONFWARN ... is a consumer property and will be ignored by this producer instance`).
    public func applicable(_ properties: [String: String]) -> [String: String] {
        properties.filter { name, _ in RDKafkaPropertyTable.roles[name]?.contains(self) ?? true }
    }
}
