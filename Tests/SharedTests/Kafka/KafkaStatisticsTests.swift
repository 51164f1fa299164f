@testable import SharedKafka
import Testing

@Suite struct KafkaStatisticsTests {
    static let sample = """
        {"name":"rdkafka#producer-1","client_id":"kafkatrace-producer","type":"producer","ts":1,"msg_cnt":12,
         "tx":10,"tx_bytes":5000,"rx":9,"rx_bytes":700,
         "brokers":{
           "127.0.0.1:9092/bootstrap":{"name":"127.0.0.1:9092/bootstrap","nodeid":-1,"state":"UP","txbytes":50,"rxbytes":60,"txretries":1,"rtt":{"avg":0}},
           "127.0.0.1:40001/2":{"name":"127.0.0.1:40001/2","nodeid":2,"state":"UP","txbytes":3000,"rxbytes":400,"txretries":3,"rtt":{"avg":2500,"p99":9000}},
           "127.0.0.1:40000/1":{"name":"127.0.0.1:40000/1","nodeid":1,"state":"DOWN","txbytes":1950,"rxbytes":240,"txretries":0,"rtt":{"avg":1000}}
         }}
        """

    @Test func parsesTotalsAndPerBrokerFigures() throws {
        let stats = try KafkaStatistics.parse(Self.sample)
        #expect(stats.name == "rdkafka#producer-1" && stats.type == "producer")
        #expect(stats.messageCount == 12)
        #expect(stats.txBytes == 5000 && stats.rxBytes == 700)
        #expect(stats.txRetries == 4)  // bootstrap connection retries count too
        #expect(stats.brokers.map(\.nodeID) == [1, 2])
        #expect(stats.brokers[1].averageRTTSeconds == 0.0025)
        #expect(stats.brokers[0].state == "DOWN")
        #expect(stats.brokers[1].txBytes == 3000 && stats.brokers[1].txRetries == 3)
    }

    @Test(arguments: ["not json", "[1,2]", "{\"brokers\":{}}"])
    func rejectsInvalidDocuments(_ json: String) {
        #expect {
            _ = try KafkaStatistics.parse(json)
        } throws: { error in
            guard case .invalidStatistics(let reason)? = error as? KafkaError else { return false }
            return !reason.isEmpty
        }
    }
}
