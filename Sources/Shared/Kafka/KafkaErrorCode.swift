/// The librdkafka error codes (`rd_kafka_resp_err_t`) this project acts on.
///
/// Negative values are librdkafka-internal errors, positive values come from the Kafka
/// protocol. Codes not listed map to `.unknown(rawValue)`; never trap on a value from C.
public enum KafkaErrorCode: Sendable, Hashable, CustomStringConvertible {
    case noError
    case badMessage
    case destroy
    case fail
    case transport
    case resolve
    case messageTimedOut
    case partitionEOF
    case unknownPartition
    case unknownTopic
    case allBrokersDown
    case invalidArgument
    case timedOut
    case queueFull
    case assignPartitions
    case revokePartitions
    case state
    case notImplemented
    case noOffset
    case purgeQueue
    case purgeInflight
    case fatal
    case maxPollExceeded
    case offsetOutOfRange
    case unknownTopicOrPartition
    case leaderNotAvailable
    case notLeaderForPartition
    case requestTimedOut
    case brokerNotAvailable
    case messageSizeTooLarge
    case networkException
    case coordinatorNotAvailable
    case notCoordinator
    case notEnoughReplicas
    case rebalanceInProgress
    case unsupportedVersion
    case topicAlreadyExists
    case invalidPartitions
    case invalidReplicationFactor
    case outOfOrderSequenceNumber
    case unknown(Int32)

    private static let table: [(KafkaErrorCode, Int32)] = [
        (.noError, 0), (.badMessage, -199), (.destroy, -197), (.fail, -196), (.transport, -195),
        (.resolve, -193), (.messageTimedOut, -192), (.partitionEOF, -191), (.unknownPartition, -190),
        (.unknownTopic, -188), (.allBrokersDown, -187), (.invalidArgument, -186), (.timedOut, -185),
        (.queueFull, -184), (.assignPartitions, -175), (.revokePartitions, -174), (.state, -172),
        (.notImplemented, -170), (.noOffset, -168), (.purgeQueue, -152), (.purgeInflight, -151),
        (.fatal, -150), (.maxPollExceeded, -147), (.offsetOutOfRange, 1),
        (.unknownTopicOrPartition, 3), (.leaderNotAvailable, 5), (.notLeaderForPartition, 6),
        (.requestTimedOut, 7), (.brokerNotAvailable, 8), (.messageSizeTooLarge, 10),
        (.networkException, 13), (.coordinatorNotAvailable, 15), (.notCoordinator, 16),
        (.notEnoughReplicas, 19), (.rebalanceInProgress, 27), (.unsupportedVersion, 35),
        (.topicAlreadyExists, 36), (.invalidPartitions, 37), (.invalidReplicationFactor, 38),
        (.outOfOrderSequenceNumber, 45),
    ]

    /// Maps a raw `rd_kafka_resp_err_t` value; unlisted values become `.unknown(raw)`.
    public init(rawValue: Int32) {
        self = Self.table.first { $0.1 == rawValue }?.0 ?? .unknown(rawValue)
    }

    /// The raw `rd_kafka_resp_err_t` value.
    public var rawValue: Int32 {
        if case .unknown(let raw) = self { return raw }
        return Self.table.first { $0.0 == self }?.1 ?? 0
    }

    /// Errors that go away on their own (broker restarts, leader moves, full local queue).
    public var isTransient: Bool {
        switch self {
        case .transport, .resolve, .messageTimedOut, .allBrokersDown, .timedOut, .queueFull,
            .leaderNotAvailable, .notLeaderForPartition, .requestTimedOut, .brokerNotAvailable,
            .networkException, .coordinatorNotAvailable, .notCoordinator, .notEnoughReplicas,
            .rebalanceInProgress, .unknownTopicOrPartition:
            return true
        default:
            return false
        }
    }

    public var description: String { "\(name)(\(rawValue))" }
}
