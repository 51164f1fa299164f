import CRdKafka
import SharedLogging
import Logging

/// The Swift side of librdkafka's C callbacks. One instance per client, passed to C as the
/// `rd_kafka_conf_set_opaque` pointer (retained by `RDKafkaClient` until after `rd_kafka_destroy`).
final class RDKafkaCallbacks: Sendable {
    let onDelivery: (@Sendable (DeliveryReport) -> Void)?
    let onStatistics: (@Sendable (String) -> Void)?
    let onError: (@Sendable (KafkaError) -> Void)?
    /// Called after an assign is applied, and before a revoke/lost is applied (the app may
    /// commit what it holds). Runs on the thread that polls.
    let onRebalance: (@Sendable (RebalanceEvent.Kind, [TopicPartition]) -> Void)?
    /// Called with the partitions about to be assigned, before the assign is applied (before
    /// librdkafka starts fetching them). Runs on the thread that polls.
    let onWillAssign: (@Sendable ([TopicPartition]) -> Void)?
    /// Every line librdkafka logs, instead of its own `%N|time|FAC|name| text` on stderr.
    /// Runs on whichever librdkafka thread logs (`log.queue` stays false, so lines logged
    /// while the handle is created or destroyed are not lost): it must be thread-safe and
    /// must not call into librdkafka.
    let onLog: (@Sendable (KafkaLogRecord) -> Void)?

    init(
        onDelivery: (@Sendable (DeliveryReport) -> Void)? = nil,
        onStatistics: (@Sendable (String) -> Void)? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        onRebalance: (@Sendable (RebalanceEvent.Kind, [TopicPartition]) -> Void)? = nil,
        onWillAssign: (@Sendable ([TopicPartition]) -> Void)? = nil,
        onLog: (@Sendable (KafkaLogRecord) -> Void)? = nil
    ) {
        self.onDelivery = onDelivery
        self.onStatistics = onStatistics
        self.onError = onError
        self.onRebalance = onRebalance
        self.onWillAssign = onWillAssign
        self.onLog = onLog
    }

    /// Where a line goes that librdkafka logs without a client (`rd_kafka_dbg0` on a bare conf,
    /// only with `debug=conf` or `all`): the process-wide logger.
    static func logOrphan(_ record: KafkaLogRecord) {
        record.log(to: Logger(label: "librdkafka"))
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbacks? {
        guard let opaque else { return nil }
        return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// Installs the C trampolines on `conf`. Wraps `rd_kafka_conf_set_*_cb`.
    func install(on conf: OpaquePointer, isConsumer: Bool) {
        if onDelivery != nil {
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let box = RDKafkaCallbacks.from(opaque) else { return }
                box.onDelivery?(RDKafkaCallbacks.report(message))
            }
        }
        if onStatistics != nil {
            rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
                guard let json, let box = RDKafkaCallbacks.from(opaque) else { return 0 }
                let bytes = UnsafeRawBufferPointer(start: json, count: length)
                box.onStatistics?(String(decoding: bytes, as: UTF8.self))
                return 0  // librdkafka frees json
            }
        }
        if onLog != nil {
            rd_kafka_conf_set_log_cb(conf) { rk, level, facility, text in
                let record = KafkaLogRecord(
                    level: SyslogLevel(clamping: level), facility: facility.map { String(cString: $0) } ?? "",
                    client: rk.map { String(cString: rd_kafka_name($0)) } ?? "",
                    text: text.map { String(cString: $0) } ?? "")
                // The conf's opaque is the client's callback box, set before rd_kafka_new.
                if let rk, let box = RDKafkaCallbacks.from(rd_kafka_opaque(rk)), let onLog = box.onLog {
                    onLog(record)
                } else {
                    RDKafkaCallbacks.logOrphan(record)
                }
            }
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
            guard let box = RDKafkaCallbacks.from(opaque) else { return }
            box.onError?(RDKafkaCallbacks.error(rk, err: err, reason: reason))
        }
        if isConsumer {
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
                guard let rk else { return }
                RDKafkaCallbacks.from(opaque)?.rebalance(rk, err: err, partitions: partitions)
            }
        }
    }

    /// Takes the original pointer: `rd_kafka_message_latency` reads the enqueue time librdkafka
    /// keeps next to the public struct, which a copy does not have.
    private static func report(_ pointer: UnsafePointer<rd_kafka_message_t>) -> DeliveryReport {
        let message = pointer.pointee
        let id = RDKafkaClient.messageID(from: message._private)
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let latencyMicros = rd_kafka_message_latency(pointer)
        var error: KafkaError?
        if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let code = KafkaErrorCode(message.err)
            error = .from(code: code, context: "delivery to \(topic)[\(message.partition)]")
        }
        return DeliveryReport(
            id: id, topic: topic, partition: message.partition, offset: message.offset,
            error: error, latency: .microseconds(max(0, latencyMicros)))
    }

    private static func error(
        _ rk: OpaquePointer?, err: Int32, reason: UnsafePointer<CChar>?
    ) -> KafkaError {
        var code = KafkaErrorCode(rawValue: err)
        var message = reason.map { String(cString: $0) } ?? code.message
        var isFatal = false
        if code == .fatal, let rk {
            var buffer = [CChar](repeating: 0, count: 512)
            let original = rd_kafka_fatal_error(rk, &buffer, buffer.count)
            code = KafkaErrorCode(original)
            message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            isFatal = true
        }
        return .from(code: code, message: message, context: "librdkafka client error", isFatal: isFatal)
    }

    private func rebalance(
        _ rk: OpaquePointer, err: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let parts = RDKafkaTopicPartitionList.offsets(partitions).map(\.topicPartition)
        let isCooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            onWillAssign?(parts)
            if isCooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, partitions)
            }
            onRebalance?(.assign, parts)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            onRebalance?(rd_kafka_assignment_lost(rk) != 0 ? .lost : .revoke, parts)
            if isCooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, nil)
            }
        default:
            onError?(.from(code: KafkaErrorCode(err), context: "rebalance"))
            rd_kafka_assign(rk, nil)
        }
    }
}
