/// Consumer lag of one assigned partition: high watermark − current position.
public struct PartitionLag: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// Messages between our position and the end of the log (never negative).
    public var lag: Int64
    var highWatermark: Int64
    public var position: Int64
}
