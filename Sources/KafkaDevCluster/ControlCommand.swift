import SharedKafka

/// One fault-script command for the mock cluster, parsed from a text line.
enum ControlCommand: Equatable {
    case brokerDown(Int32)
    case brokerUp(Int32)
    case leader(topic: String, partition: Int32, broker: Int32)
    case rtt(broker: Int32, milliseconds: Int)
    case errors(apiKey: Int16, codes: [Int32])
    /// Drops the errors still queued for `apiKey` by `errors`.
    case clearErrors(apiKey: Int16)
    case topic(name: String, partitions: Int, replicationFactor: Int)

    static let usage =
        "commands: broker-down N | broker-up N | leader TOPIC PARTITION BROKER | rtt N MS | errors APIKEY ERR... | clear-errors APIKEY | topic NAME PARTITIONS RF"

    /// Parses `line`; the error text says what was wrong and what is allowed.
    static func parse(_ line: String) -> Result<ControlCommand, ControlCommandError> {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let verb = words.first else { return .failure(.init("empty command; \(usage)")) }
        let args = Array(words.dropFirst())
        func int<T: FixedWidthInteger>(_ index: Int, _ name: String) throws(ControlCommandError) -> T {
            guard index < args.count, let value = T(args[index]) else {
                throw .init("\(verb): \(name) must be an integer; \(usage)")
            }
            return value
        }
        do throws(ControlCommandError) {
            switch (verb, args.count) {
            case ("broker-down", 1): return .success(.brokerDown(try int(0, "N")))
            case ("broker-up", 1): return .success(.brokerUp(try int(0, "N")))
            case ("leader", 3):
                return .success(.leader(topic: args[0], partition: try int(1, "PARTITION"), broker: try int(2, "BROKER")))
            case ("rtt", 2): return .success(.rtt(broker: try int(0, "N"), milliseconds: try int(1, "MS")))
            case ("errors", 2...):
                var codes: [Int32] = []
                for index in 1..<args.count { codes.append(try int(index, "ERR")) }
                return .success(.errors(apiKey: try int(0, "APIKEY"), codes: codes))
            case ("clear-errors", 1): return .success(.clearErrors(apiKey: try int(0, "APIKEY")))
            case ("topic", 3):
                return .success(
                    .topic(name: args[0], partitions: try int(1, "PARTITIONS"), replicationFactor: try int(2, "RF")))
            default:
                return .failure(.init("unknown command or wrong argument count: \(line); \(usage)"))
            }
        } catch {
            return .failure(error)
        }
    }

    /// Applies the command to `cluster`.
    func apply(to cluster: RDKafkaMockCluster) throws(KafkaError) {
        switch self {
        case .brokerDown(let id): try cluster.setBrokerDown(id)
        case .brokerUp(let id): try cluster.setBrokerUp(id)
        case .leader(let topic, let partition, let broker):
            try cluster.setPartitionLeader(topic: topic, partition: partition, broker: broker)
        case .rtt(let broker, let ms): try cluster.setBrokerRTT(broker, rtt: .milliseconds(ms))
        case .errors(let apiKey, let codes):
            cluster.pushRequestErrors(apiKey: apiKey, errors: codes.map(KafkaErrorCode.init(rawValue:)))
        case .clearErrors(let apiKey): cluster.clearRequestErrors(apiKey: apiKey)
        case .topic(let name, let partitions, let rf):
            try cluster.createTopic(name: name, partitions: partitions, replicationFactor: rf)
        }
    }
}

/// Why a control line was refused.
struct ControlCommandError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
