import CRdKafka

/// An in-process Kafka cluster (librdkafka's mock broker), for tests and the dev cluster.
///
/// Brokers listen on 127.0.0.1 with random ports; each partition keeps a few MiB of log.
/// Owns its own `rd_kafka_t` handle, which the mock cluster requires.
public final class RDKafkaMockCluster: @unchecked Sendable {
    private let client: OpaquePointer
    private let cluster: OpaquePointer

    /// The `host:port,...` list clients bootstrap from.
    public let bootstrapServers: String
    let brokerCount: Int

    /// Starts `brokers` mock brokers (ids 1...brokers). Wraps `rd_kafka_mock_cluster_new`.
    public init(brokers: Int) throws(KafkaError) {
        guard brokers >= 1 else {
            throw .invalidArgument(context: "RDKafkaMockCluster", reason: "brokers=\(brokers); must be ≥ 1")
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let conf = rd_kafka_conf_new()
        _ = rd_kafka_conf_set(conf, "log_level", "3", &errorBuffer, errorBuffer.count)
        guard let client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            throw .configuration(key: "(mock rd_kafka_new)", value: "", reason: RDKafkaClient.string(errorBuffer))
        }
        guard let cluster = rd_kafka_mock_cluster_new(client, Int32(clamping: brokers)) else {
            rd_kafka_destroy(client)
            throw .from(code: .fail, message: "rd_kafka_mock_cluster_new failed", context: "RDKafkaMockCluster")
        }
        self.client = client
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(client)
    }

    /// Wraps `rd_kafka_mock_topic_create`.
    public func createTopic(name: String, partitions: Int, replicationFactor: Int) throws(KafkaError) {
        try check(
            rd_kafka_mock_topic_create(cluster, name, Int32(clamping: partitions), Int32(clamping: replicationFactor)),
            "mock create topic \(name) (partitions \(partitions), replication \(replicationFactor))")
    }

    /// Closes the broker's listener and connections. Wraps `rd_kafka_mock_broker_set_down`.
    ///
    /// librdkafka 2.0.2 re-binds the same port right away and aborts the process when that
    /// fails (EADDRINUSE: another socket took the port meanwhile). Tests that call this run in
    /// their own serial pass (`broker_down_tests` in scripts/test).
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_down(cluster, id), "mock broker \(id) down")
    }

    /// Wraps `rd_kafka_mock_broker_set_up`.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_up(cluster, id), "mock broker \(id) up")
    }

    /// Adds `rtt` to every response from the broker. Wraps `rd_kafka_mock_broker_set_rtt`.
    public func setBrokerRTT(_ id: Int32, rtt: Duration) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_rtt(cluster, id, RDKafkaClient.milliseconds(rtt)), "mock broker \(id) rtt")
    }

    /// Wraps `rd_kafka_mock_partition_set_leader`.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker),
            "mock leader of \(topic)[\(partition)] to broker \(broker)")
    }

    /// The next `errors.count` requests with `apiKey` (e.g. 0 = Produce) fail with these codes, in
    /// order, on any broker. Wraps `rd_kafka_mock_push_request_errors_array`.
    public func pushRequestErrors(apiKey: Int16, errors: [KafkaErrorCode]) {
        let raw = errors.map { rd_kafka_resp_err_t($0.rawValue) }
        raw.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, $0.count, $0.baseAddress)
        }
    }

    /// Drops the errors pushed for `apiKey` that no request has used yet.
    /// Wraps `rd_kafka_mock_clear_request_errors`.
    public func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    private func check(_ err: rd_kafka_resp_err_t, _ context: String) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(code: KafkaErrorCode(err), context: context) }
    }
}
