/// The lifecycle state of an order. Generated and HTTP-submitted orders start as `pending`.
public enum OrderStatus: String, Sendable, Hashable, CaseIterable {
    case pending, confirmed, preparing, delivered, cancelled
}
