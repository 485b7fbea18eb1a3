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
    /// Who decides: the local log, or (in a cluster, once the local log is durable) the replication gate.
    enum Decider: Sendable {
        case writer(LogWriter)
        case gate(ReplicationGate)
    }

    let decider: Decider
    /// The LSN the change waits for.
    public let lsn: LSN

    init(writer: LogWriter, lsn: LSN) {
        self.decider = .writer(writer)
        self.lsn = lsn
    }

    init(gate: ReplicationGate, lsn: LSN) {
        self.decider = .gate(gate)
        self.lsn = lsn
    }

    /// Calls `decided` once: at once on the caller's thread when the change is decided already, else on the log's
    /// own thread, where it must not block (a connection hops back to its event loop from there).
    public func whenDecided(_ decided: @escaping @Sendable () -> Void) {
        switch self.decider {
        case .writer(let writer): writer.whenDurable(through: self.lsn, decided)
        case .gate(let gate): gate.whenDecided(through: self.lsn, decided)
        }
    }

    /// Returns once the change is decided.
    public func decided() async {
        await withCheckedContinuation { continuation in
            self.whenDecided { continuation.resume() }
        }
    }
}
