/// The Kafka headers of an `order.created` event, per the contract:
/// `event_type=order.created`, `schema_version=1`, `content_type=application/json`, `traceparent`.
public struct OrderHeaders: Sendable, Equatable {
    static let eventTypeKey = "event_type"
    static let schemaVersionKey = "schema_version"
    static let contentTypeKey = "content_type"
    static let traceParentKey = "traceparent"
    public static let orderCreated = "order.created"
    public static let applicationJSON = "application/json"

    var eventType: String?
    var schemaVersion: Int64?
    public var contentType: String?
    /// Nil when absent or not a valid `traceparent` (a bad trace header never fails an order).
    public var traceParent: TraceParent?

    public init(eventType: String? = OrderHeaders.orderCreated, schemaVersion: Int64? = Order.currentSchemaVersion,
                contentType: String? = OrderHeaders.applicationJSON, traceParent: TraceParent?) {
        self.eventType = eventType
        self.schemaVersion = schemaVersion
        self.contentType = contentType
        self.traceParent = traceParent
    }

    /// The headers for a new order event, in contract order.
    public static func make(traceParent: TraceParent) -> [(String, [UInt8])] {
        eventHeaders(traceParentValue: traceParent.headerValue)
    }

    /// The headers for a new order event with this `traceparent` value (last, so that
    /// `OrderEventEncoder` can rewrite it in place).
    static func eventHeaders(traceParentValue: [UInt8]) -> [(String, [UInt8])] {
        var headers = fixedEventHeaders
        headers.append((traceParentKey, traceParentValue))
        return headers
    }

    /// The three headers every new order event has, made once.
    private static let fixedEventHeaders: [(String, [UInt8])] = {
        var headers = OrderHeaders(traceParent: nil).kafkaHeaders
        headers.reserveCapacity(4)
        return headers
    }()

    /// These headers as Kafka `(key, value)` pairs; absent values are left out.
    var kafkaHeaders: [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        if let eventType { out.append((Self.eventTypeKey, Array(eventType.utf8))) }
        if let schemaVersion { out.append((Self.schemaVersionKey, Array(String(schemaVersion).utf8))) }
        if let contentType { out.append((Self.contentTypeKey, Array(contentType.utf8))) }
        if let traceParent { out.append((Self.traceParentKey, traceParent.headerValue)) }
        return out
    }

    /// Reads the known headers back from Kafka pairs (first occurrence wins; unknown keys ignored).
    public init(parsing headers: [(String, [UInt8])]) {
        self.init(eventType: nil, schemaVersion: nil, contentType: nil, traceParent: nil)
        var seen = Set<String>()
        for (key, value) in headers where seen.insert(key).inserted {
            switch key {
            case Self.eventTypeKey: eventType = String(validating: value, as: UTF8.self)
            case Self.schemaVersionKey: schemaVersion = String(validating: value, as: UTF8.self).flatMap { Int64($0) }
            case Self.contentTypeKey: contentType = String(validating: value, as: UTF8.self)
            case Self.traceParentKey: traceParent = try? TraceParent(parsing: value)
            default: continue
            }
        }
    }

    /// True when this is an `order.created` event of a schema version this build reads.
    var isSupportedOrderEvent: Bool {
        eventType == Self.orderCreated && schemaVersion == Order.currentSchemaVersion
    }
}
