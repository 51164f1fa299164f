import SharedKafka
import Synchronization

/// Matches librdkafka delivery reports to the orders that wait for them
/// (`POST /v1/orders?wait=delivery`) and keeps the in-flight count.
///
/// An id is `expect`ed before it is sent, so a report that arrives before the waiter
/// (the poll thread is fast) is kept until `wait` collects it.
final class DeliveryTracker: Sendable {
    private enum Entry {
        case expecting
        case waiting(CheckedContinuation<DeliveryReport, Never>)
        case done(DeliveryReport)
    }

    private struct State {
        var nextID: UInt64 = 1
        var entries: [UInt64: Entry] = [:]
        var inFlight = 0
        var delivered = 0
        var failed = 0
    }

    private let state = Mutex(State())

    init() {}

    /// A fresh message id, counted in flight at once (before `send`, so a report that beats
    /// the sender back never makes the count negative); `expectReport` marks that somebody will
    /// `wait` for it. Call `cancel` when librdkafka refused the message.
    func makeID(expectReport: Bool) -> UInt64 {
        state.withLock { s in
            let id = s.nextID
            s.nextID &+= 1
            s.inFlight += 1
            if expectReport { s.entries[id] = .expecting }
            return id
        }
    }

    /// Forgets an id whose send failed before librdkafka took it.
    func cancel(_ id: UInt64) {
        state.withLock { s in
            s.inFlight -= 1
            s.entries.removeValue(forKey: id)
        }
    }

    /// Records a delivery report (called on the poll thread).
    func report(_ report: DeliveryReport) {
        let waiter: CheckedContinuation<DeliveryReport, Never>? = state.withLock { s in
            s.inFlight -= 1
            if report.error == nil { s.delivered += 1 } else { s.failed += 1 }
            switch s.entries[report.id] {
            case .expecting:
                s.entries[report.id] = .done(report)
                return nil
            case .waiting(let continuation):
                s.entries[report.id] = nil
                return continuation
            case .done, .none:
                return nil
            }
        }
        waiter?.resume(returning: report)
    }

    /// Waits for the report of an `expect`ed id.
    func wait(for id: UInt64) async -> DeliveryReport {
        await withCheckedContinuation { continuation in
            let ready: DeliveryReport? = state.withLock { s in
                if case .done(let report) = s.entries[id] {
                    s.entries[id] = nil
                    return report
                }
                s.entries[id] = .waiting(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Delivery reports received so far: delivered and failed.
    var reportedTotals: (delivered: Int, failed: Int) { state.withLock { ($0.delivered, $0.failed) } }

    /// Messages handed to librdkafka and not yet reported.
    var inFlight: Int { state.withLock { $0.inFlight } }
}
