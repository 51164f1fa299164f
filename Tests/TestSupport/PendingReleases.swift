import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Objects whose last reference is dropped on a Dispatch thread after a delay, and an exit
/// handler that waits for those drops. Without it the test process could exit while a
/// `rd_kafka_destroy` was joining librdkafka's threads (ThreadSanitizer: "thread leak" of a
/// finished `rdk:broker` thread), or before it began.
enum PendingReleases {
    private final class Held: @unchecked Sendable {  // written once on the Dispatch thread
        var objects: Any?
        init(_ objects: Any) { self.objects = objects }
    }

    private static let group = DispatchGroup()
    private static let waitAtExit: Void = {
        atexit { _ = PendingReleases.group.wait(timeout: .now() + 60) }
    }()

    static func hold(_ objects: Any, for delay: Duration) {
        _ = waitAtExit
        let held = Held(objects)
        group.enter()
        let ms = Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        // A queue of its own: the deinits block, and DispatchQueue.global() threads are the
        // cooperative pool's on Linux.
        DispatchQueue(label: "test.pending-release").asyncAfter(deadline: .now() + .milliseconds(ms)) {
            held.objects = nil  // the deinits run here
            group.leave()
        }
    }
}
