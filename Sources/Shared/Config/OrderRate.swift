/// `order.rate`: generated orders per second, or as fast as the producer accepts them.
public enum OrderRate: Sendable, Equatable, CustomStringConvertible {
    /// Orders per second; 0 disables the generator.
    case perSecond(Double)
    /// No pacing: generate whenever the queue accepts.
    case unlimited

    /// The highest rate in orders per second.
    public static let maximum = 1_000_000_000.0

    /// Parses `10`, `0.5`, `0` or `unlimited`.
    public init?(configText text: String) {
        if text.lowercased() == "unlimited" {
            self = .unlimited
        } else if let rate = ConfigParsing.parseDouble(text, in: 0...Self.maximum) {
            self = .perSecond(rate)
        } else {
            return nil
        }
    }

    /// Whether the generator runs at all.
    var isEnabled: Bool { self != .perSecond(0) }

    public var description: String {
        switch self {
        case .unlimited: "unlimited"
        case .perSecond(let rate): ConfigParsing.plain(rate)
        }
    }
}
