/// Every error the Kafka area throws.
///
/// Cases carry the librdkafka code (`rd_kafka_resp_err_t`) where there is one, the
/// librdkafka message, and the context: what we were doing and on which topic/partition.
public enum KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka (or a broker) returned `code`.
    case rdkafka(code: KafkaErrorCode, message: String, context: String, isRetriable: Bool, isFatal: Bool)
    /// The local producer queue is full (`RD_KAFKA_RESP_ERR__QUEUE_FULL`); retry after deliveries drain it.
    case queueFull(context: String)
    /// The queue stayed full for the whole enqueue bound.
    case enqueueTimedOut(waited: Duration, context: String)
    /// A configuration property was refused by `rd_kafka_conf_set` or `rd_kafka_new`.
    case configuration(key: String, value: String, reason: String)
    /// An argument was outside what is allowed (say what was allowed in `reason`).
    case invalidArgument(context: String, reason: String)
    /// The client was already closed (or is closing).
    case closed(context: String)
    /// The caller's task was cancelled while it waited for librdkafka; the call itself may
    /// still complete (a commit may still be applied).
    case cancelled(context: String)
    /// A librdkafka statistics JSON document could not be parsed.
    case invalidStatistics(reason: String)

    /// The librdkafka error code behind this error.
    public var code: KafkaErrorCode {
        switch self {
        case .rdkafka(let code, _, _, _, _): return code
        case .queueFull, .enqueueTimedOut: return .queueFull
        case .configuration, .invalidArgument: return .invalidArgument
        case .closed: return .destroy
        case .cancelled: return .timedOut
        case .invalidStatistics: return .badMessage
        }
    }

    /// The librdkafka name of `code`, e.g. `_QUEUE_FULL` or `NOT_LEADER_FOR_PARTITION`.
    public var name: String { code.name }

    /// Retrying the same operation later may succeed.
    public var isRetriable: Bool {
        switch self {
        case .rdkafka(_, _, _, let retriable, _): return retriable
        case .queueFull, .enqueueTimedOut: return true
        default: return false
        }
    }

    /// The client instance is unusable (e.g. idempotent producer sequence loss); recreate it.
    var isFatal: Bool {
        if case .rdkafka(_, _, _, _, let fatal) = self { return fatal }
        return false
    }

    /// A readable message: what went wrong, where, and the code.
    public var description: String {
        switch self {
        case .rdkafka(let code, let message, let context, _, let fatal):
            return "\(context): \(message) [\(code)]\(fatal ? " (fatal)" : "")"
        case .queueFull(let context):
            return "\(context): local producer queue is full (queue.buffering.max.messages reached) [\(code)]"
        case .enqueueTimedOut(let waited, let context):
            return "\(context): local producer queue stayed full for \(waited) [\(code)]"
        case .configuration(let key, let value, let reason):
            return "librdkafka property \(key)=\(value) was refused: \(reason)"
        case .invalidArgument(let context, let reason):
            return "\(context): \(reason)"
        case .closed(let context):
            return "\(context): the Kafka client is closed"
        case .cancelled(let context):
            return "\(context): cancelled while waiting for librdkafka"
        case .invalidStatistics(let reason):
            return "librdkafka statistics JSON is invalid: \(reason)"
        }
    }

    /// Builds `.rdkafka` from a code, deriving retriability from the code.
    static func from(
        code: KafkaErrorCode, message: String? = nil, context: String, isFatal: Bool = false
    ) -> KafkaError {
        .rdkafka(
            code: code, message: message ?? code.message, context: context,
            isRetriable: code.isTransient && !isFatal, isFatal: isFatal)
    }
}
