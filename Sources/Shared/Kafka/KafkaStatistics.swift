import SharedJSON

/// The parts of librdkafka's statistics JSON (`stats_cb`) we export as metrics.
public struct KafkaStatistics: Sendable {
    /// One broker connection. Bootstrap entries (nodeid −1) are left out of `brokers`.
    public struct Broker: Sendable, Hashable {
        public var name: String
        public var nodeID: Int
        public var state: String
        /// Average round-trip time over the last window (`rtt.avg`, microseconds → seconds).
        public var averageRTTSeconds: Double
        public var txBytes: Int64
        public var rxBytes: Int64
        public var txRetries: Int64
    }

    /// Handle name, e.g. `rdkafka#producer-1`.
    public var name: String
    /// `producer` or `consumer`.
    public var type: String
    /// Messages currently in the client's queues (`msg_cnt`).
    public var messageCount: Int64
    /// Bytes sent / received to all brokers since start (`tx_bytes`, `rx_bytes`).
    public var txBytes: Int64
    public var rxBytes: Int64
    /// Request retries summed over all brokers (`brokers.*.txretries`).
    public var txRetries: Int64
    public var brokers: [Broker]

    /// Parses one statistics document.
    public static func parse(_ json: String) throws(KafkaError) -> KafkaStatistics {
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw .invalidStatistics(reason: "not JSON: \(error)")
        }
        guard case .object = root else {
            throw .invalidStatistics(reason: "top level is not an object")
        }
        guard case .string(let name)? = root["name"], case .string(let type)? = root["type"] else {
            throw .invalidStatistics(reason: "missing \"name\" or \"type\"")
        }
        var brokers: [Broker] = []
        var retries: Int64 = 0
        if case .object(let members)? = root["brokers"] {
            for member in members {
                let broker = member.value
                guard case .object = broker else { continue }
                let txRetries = int(broker["txretries"])
                retries += txRetries
                let nodeID = Int(int(broker["nodeid"], default: -1))
                guard nodeID >= 0 else { continue }
                var state = ""
                if case .string(let s)? = broker["state"] { state = s }
                brokers.append(
                    Broker(
                        name: member.key, nodeID: nodeID, state: state,
                        averageRTTSeconds: Double(int(broker["rtt"]?["avg"])) / 1_000_000,
                        txBytes: int(broker["txbytes"]), rxBytes: int(broker["rxbytes"]), txRetries: txRetries))
            }
        }
        return KafkaStatistics(
            name: name, type: type, messageCount: int(root["msg_cnt"]), txBytes: int(root["tx_bytes"]),
            rxBytes: int(root["rx_bytes"]), txRetries: retries, brokers: brokers.sorted { $0.nodeID < $1.nodeID })
    }

    /// An integer member; `fallback` when it is missing, not a number or not a whole Int64.
    private static func int(_ value: JSONValue?, default fallback: Int64 = 0) -> Int64 {
        guard case .number(let number)? = value else { return fallback }
        return number.int64Value ?? fallback
    }
}
