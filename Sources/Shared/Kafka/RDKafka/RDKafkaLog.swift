import CRdKafka
import Logging

/// Routes librdkafka's own log lines (`%4|...|SESSTMOUT|...`, which it otherwise prints raw
/// to stderr) through swift-log, so they come out as the daemon's structured lines.
///
/// librdkafka calls the callback from its internal threads; the logger is the process-wide
/// one (`LoggingSystem`), like libpq's notices in `PQConnection`.
enum RDKafkaLog {
    static let label = "kafkatrace.librdkafka"

    /// Installs the log callback on `conf`. Wraps `rd_kafka_conf_set_log_cb`.
    static func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, text in
            let logger = Logger(label: RDKafkaLog.label)
            var metadata: Logger.Metadata = [
                "rdkafka_facility": "\(facility.map { String(cString: $0) } ?? "")",
                "rdkafka_message": "\(text.map { String(cString: $0) } ?? "")",
            ]
            if let rk { metadata["client"] = "\(String(cString: rd_kafka_name(rk)))" }
            logger.log(level: RDKafkaLog.level(syslog: level), "librdkafka log line", metadata: metadata)
        }
    }

    /// librdkafka logs with syslog levels (0 emergency ... 7 debug).
    static func level(syslog: Int32) -> Logger.Level {
        switch syslog {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }
}
