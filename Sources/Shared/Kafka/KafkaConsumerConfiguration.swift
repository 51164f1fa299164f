/// Typed consumer-group settings rendered to librdkafka properties.
///
/// Offsets are committed by the app only (`enable.auto.commit=false`,
/// `enable.auto.offset.store=false`); a new group starts at the earliest offset; fetches and
/// librdkafka's pre-fetch queue are bounded (`fetchMaxBytes`, `prefetchKilobytes`).
/// `extraProperties` are passed verbatim and override anything set here except the two
/// offset-commit properties.
public struct KafkaConsumerConfiguration: Sendable {
    public var bootstrapServers: String
    public var groupID: String
    public var clientID: String = "kafkatrace-consumer"
    public var sessionTimeout: Duration = .seconds(10)
    var autoOffsetReset: String = "earliest"
    /// 0 turns statistics off.
    public var statisticsInterval: Duration = .seconds(5)
    /// Messages buffered ahead of `poll`; a full buffer holds fetching back (`fullBufferWait`).
    public var bufferCapacity: Int = KafkaConsumer.defaultBufferCapacity
    /// How long a full buffer holds fetching back before every partition is paused (a pause
    /// throws away what librdkafka fetched ahead; it is for a stuck application).
    public var fullBufferWait: Duration = KafkaConsumer.defaultFullBufferWait
    /// Memory of librdkafka's side. `fetchMaxBytes` (`fetch.max.bytes`, librdkafka's default
    /// 50 MiB; at least `message.max.bytes`, 1 000 000) bounds one fetch response.
    /// `prefetchKilobytes` (`queued.max.messages.kbytes`, librdkafka's default 64 MiB) bounds
    /// what librdkafka fetches ahead of the consumer's buffer; while the application is slower
    /// than Kafka (catching up) the queue sits at this bound, so it is most of the consumer's
    /// memory then. librdkafka 2.0.2 stops fetching once the queue is over it and looks again
    /// only up to a second later; `KafkaConsumer` restarts such a stalled fetch itself
    /// (`kickStalledFetches`), so a few MB do not slow catching up. 1 MiB ≈ 2 500 orders: the
    /// catch-up peak stays under the 40 MB target in every round measured, where 1.5 MiB went
    /// over in some, and neither is measurably slower (figures: docs/benchmarks.md, "The mmap
    /// threshold, and 1.5 MiB" and "1 MiB"). `queued.min.messages` keeps its default (100 000).
    public var prefetchKilobytes: Int = 1_024
    public var fetchMaxBytes: Int = 1_048_576
    /// `fetch.wait.max.ms` (librdkafka's default 500 ms): how long a broker may hold a fetch
    /// for partitions at their end. librdkafka keeps one fetch in flight per broker, and a
    /// partition stopped at the prefetch bound is left out of the next one; if that fetch then
    /// holds only partitions at their end, the partitions behind wait it out. At 500 ms this
    /// cost catch-ups a half-second stall in 3 or 4 of 89 bench rounds (traced with
    /// `debug=fetch`, docs/benchmarks.md); at 100 ms it is at most a tenth of a second, for
    /// ten idle fetches a second per broker instead of two. A broker answers a held fetch as
    /// soon as data arrives, so it does not add latency (librdkafka's mock cluster does not:
    /// `scripts/run` sets 10 ms).
    public var fetchWaitMax: Duration = .milliseconds(100)
    public var extraProperties: [String: String] = [:]

    public init(bootstrapServers: String, groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// The librdkafka property map.
    public var properties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "client.id": clientID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": autoOffsetReset,
            "session.timeout.ms": String(RDKafkaClient.milliseconds(sessionTimeout)),
            "statistics.interval.ms": String(RDKafkaClient.milliseconds(statisticsInterval)),
            "queued.max.messages.kbytes": String(prefetchKilobytes),
            "fetch.max.bytes": String(fetchMaxBytes),
            "fetch.wait.max.ms": String(RDKafkaClient.milliseconds(fetchWaitMax)),
        ]
        result.merge(extraProperties) { _, extra in extra }
        // The app commits after processing; nothing may turn that off.
        result["enable.auto.commit"] = "false"
        result["enable.auto.offset.store"] = "false"
        return result
    }
}
