import Synchronization

/// A thread-safe weak reference, set once the object exists.
///
/// C callbacks (librdkafka's delivery, rebalance and error callbacks) are registered when a
/// handle is created, before the Swift object that handles them is fully initialised; they reach
/// that object through one of these, and do nothing once it is gone.
public final class WeakReference<Object: AnyObject & Sendable>: Sendable {
    private struct Box {
        weak var object: Object?
    }

    private let box = Mutex(Box())

    public init() {}

    /// The object, while it lives.
    public var object: Object? { box.withLock { $0.object } }

    /// Points the reference at `object`.
    public func set(_ object: Object) { box.withLock { $0.object = object } }
}
