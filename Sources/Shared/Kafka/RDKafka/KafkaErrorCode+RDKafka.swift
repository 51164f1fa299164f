import CRdKafka

extension KafkaErrorCode {
    /// The librdkafka symbolic name. Wraps `rd_kafka_err2name`.
    public var name: String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue)))
    }

    /// The librdkafka human-readable text. Wraps `rd_kafka_err2str`.
    public var message: String {
        String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue)))
    }

    init(_ err: rd_kafka_resp_err_t) {
        self.init(rawValue: err.rawValue)
    }
}
