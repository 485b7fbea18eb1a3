import SeatActors
import WAL

/// Where a change stands (`LogService.durability(of:)`): durable, never to be (it was lost with a failed log), or
/// not yet.
public enum Durability: Sendable {
    /// Durable: a reply that reflects it may leave.
    case durable
    /// Lost: a reply that reflects it must say `UNAVAILABLE` instead.
    case lost(SeatError)
    /// Not decided yet: the ticket says when to ask again.
    case waiting(DurabilityTicket)
}

/// A change that is not durable yet. It is decided (durable, or known lost) at the latest when the ticket fires;
/// then ask `LogService.durability(of:)` again, which says which. There is one way to be told: `whenDecided`
/// (with no task per wait, for the connections), and `decided()` built on it.
public struct DurabilityTicket: Sendable {
    let writer: LogWriter
    /// The LSN the change waits for.
    public let lsn: LSN

    /// Calls `decided` once: at once on the caller's thread when the change is decided already, else on the log's
    /// own thread, where it must not block (a connection hops back to its event loop from there).
    public func whenDecided(_ decided: @escaping @Sendable () -> Void) {
        self.writer.whenDurable(through: self.lsn, decided)
    }

    /// Returns once the change is decided.
    public func decided() async {
        await withCheckedContinuation { continuation in
            self.whenDecided { continuation.resume() }
        }
    }
}
