import Foundation

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
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw .invalidStatistics(reason: "not JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else {
            throw .invalidStatistics(reason: "top level is not an object")
        }
        guard let name = root["name"] as? String, let type = root["type"] as? String else {
            throw .invalidStatistics(reason: "missing \"name\" or \"type\"")
        }
        var brokers: [Broker] = []
        var retries: Int64 = 0
        for (brokerName, value) in (root["brokers"] as? [String: Any]) ?? [:] {
            guard let broker = value as? [String: Any] else { continue }
            let txRetries = int(broker["txretries"])
            retries += txRetries
            let nodeID = Int(int(broker["nodeid"], default: -1))
            guard nodeID >= 0 else { continue }
            let rtt = broker["rtt"] as? [String: Any]
            brokers.append(
                Broker(
                    name: brokerName, nodeID: nodeID, state: broker["state"] as? String ?? "",
                    averageRTTSeconds: Double(int(rtt?["avg"])) / 1_000_000,
                    txBytes: int(broker["txbytes"]), rxBytes: int(broker["rxbytes"]), txRetries: txRetries))
        }
        return KafkaStatistics(
            name: name, type: type, messageCount: int(root["msg_cnt"]), txBytes: int(root["tx_bytes"]),
            rxBytes: int(root["rx_bytes"]), txRetries: retries, brokers: brokers.sorted { $0.nodeID < $1.nodeID })
    }

    private static func int(_ value: Any?, default fallback: Int64 = 0) -> Int64 {
        (value as? NSNumber)?.int64Value ?? fallback
    }
}
