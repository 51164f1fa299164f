import SharedKafka
import Synchronization

/// Matches librdkafka delivery reports to the orders that wait for them
/// (`POST /v1/orders?wait=delivery`) and keeps the in-flight count.
///
/// An id is `expect`ed before it is sent, so a report that arrives before the waiter
/// (the poll thread is fast) is kept until `wait` collects it.
///
/// Ids carry whether somebody waits for them in their lowest bit (odd: expected), so the common
/// case, a message nobody waits for, costs a few atomic operations and no lock on either side:
/// the sender's `makeID` and the poll thread's `report` (both run once per message).
final class DeliveryTracker: Sendable {
    private enum Entry {
        case expecting
        case waiting(CheckedContinuation<DeliveryReport, Never>)
        case done(DeliveryReport)
    }

    /// The next id's counter; ids are `counter × 2` (+1 when expected), never 0.
    private let counter = Atomic<UInt64>(1)
    private let inFlightCount = Atomic<Int>(0)
    private let deliveredCount = Atomic<Int>(0)
    private let failedCount = Atomic<Int>(0)
    /// Reports expected by a waiter, by id (odd ids only).
    private let entries = Mutex<[UInt64: Entry]>([:])

    init() {}

    /// A fresh message id, counted in flight at once (before `send`, so a report that beats
    /// the sender back never makes the count negative); `expectReport` marks that somebody will
    /// `wait` for it. Call `cancel` when librdkafka refused the message.
    func makeID(expectReport: Bool) -> UInt64 {
        let id = counter.wrappingAdd(1, ordering: .relaxed).oldValue << 1 | (expectReport ? 1 : 0)
        inFlightCount.add(1, ordering: .relaxed)
        if expectReport { entries.withLock { $0[id] = .expecting } }
        return id
    }

    /// Forgets an id whose send failed before librdkafka took it.
    func cancel(_ id: UInt64) {
        inFlightCount.subtract(1, ordering: .relaxed)
        if Self.isExpected(id) { _ = entries.withLock { $0.removeValue(forKey: id) } }
    }

    /// Records a delivery report (called on the poll thread).
    func report(_ report: DeliveryReport) {
        if report.error == nil {
            deliveredCount.add(1, ordering: .relaxed)
        } else {
            failedCount.add(1, ordering: .relaxed)
        }
        // Counted after delivered/failed, so that reportedTotals never lags behind inFlight.
        inFlightCount.subtract(1, ordering: .releasing)
        guard Self.isExpected(report.id) else { return }
        let waiter: CheckedContinuation<DeliveryReport, Never>? = entries.withLock { entries in
            switch entries[report.id] {
            case .expecting:
                entries[report.id] = .done(report)
                return nil
            case .waiting(let continuation):
                entries[report.id] = nil
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
            let ready: DeliveryReport? = entries.withLock { entries in
                if case .done(let report) = entries[id] {
                    entries[id] = nil
                    return report
                }
                entries[id] = .waiting(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Delivery reports received so far: delivered and failed.
    var reportedTotals: (delivered: Int, failed: Int) {
        (deliveredCount.load(ordering: .relaxed), failedCount.load(ordering: .relaxed))
    }

    /// Messages handed to librdkafka and not yet reported.
    var inFlight: Int { inFlightCount.load(ordering: .acquiring) }

    private static func isExpected(_ id: UInt64) -> Bool { id & 1 == 1 }
}
