import Synchronization

/// Messages into the event loop from other threads, followed by an eventfd wake-up.
final class HTTPLoopMailbox: Sendable {
    enum Message: Sendable {
        /// An async handler finished: the response for request `sequence` of connection `connectionID`
        /// (at `fd`, unless it was closed meanwhile).
        case response(fd: Int32, connectionID: UInt64, sequence: UInt64, response: HTTPResponse)
        /// Stop: graceful (finish in-flight requests, bounded) or immediate.
        case stop(isGraceful: Bool)
    }

    let wakeup: EventFD
    private let messages = Mutex<[Message]>([])

    init() throws(SocketError) {
        wakeup = try EventFD()
    }

    /// Queues a message and wakes the loop. Safe from any thread.
    func post(_ message: Message) {
        messages.withLock { $0.append(message) }
        wakeup.signal()
    }

    /// Takes every queued message (loop thread).
    func takeAll() -> [Message] {
        wakeup.drain()
        return messages.withLock { queued in
            let taken = queued
            queued.removeAll(keepingCapacity: true)
            return taken
        }
    }
}
