import Synchronization

/// Where a record went: its LSN, and when the log took it (unix ms; the records of one batch share the time the
/// batch began, which the log keeps with them so that replay gives every event the time it had live).
public struct Appended: Sendable, Equatable {
    public let lsn: LSN
    public let atMs: Int64

    public init(lsn: LSN, atMs: Int64) {
        self.lsn = lsn
        self.atMs = atMs
    }
}

/// Where changes go to become durable. `append` never suspends: a session actor decides, appends and applies
/// with no `await` in between, so no other request can interleave. Whether a change is durable yet is not the
/// domain's question: the server's `Store` decides it (`LogService.durability(of:)`), and replies wait there.
public protocol ChangeLog: AnyObject, Sendable {
    /// Assigns `record` the next LSN and queues it for durable storage. `publish`, when given, runs under the
    /// log's lock with the LSN and time before the next record is appended, so events leave in LSN order (and a
    /// subscriber that `withAppendsHeld` registered sees exactly the events after the LSN it was given). Throws
    /// `.unavailable` when the log takes no more changes.
    func append(_ record: LogRecord, publish: ((Appended) -> Void)?) throws(SeatError) -> Appended

    /// Runs `body` with the last LSN assigned while no record can be appended: what `body` registers is in place
    /// before the next LSN's `publish` runs.
    func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value

    /// The last LSN assigned.
    var lastLSN: LSN { get }

    /// Why the log takes no changes now, or nil. Change requests check it first, so that while the log is down
    /// every change answers UNAVAILABLE (not, say, SOLD_OUT from a state that may be about to be reloaded).
    var refusal: String? { get }
}

extension ChangeLog {
    public var refusal: String? { nil }
}

/// A log that keeps nothing: every record is "durable" at once. For tests and the in-process benchmark.
public final class InMemoryChangeLog: ChangeLog {
    private let last: Mutex<LSN>
    private let clock: any WallClock

    /// Starts after `lastLSN` (the last LSN of a recovered state).
    public init(lastLSN: LSN = 0, clock: any WallClock = SystemWallClock()) {
        self.last = Mutex(lastLSN)
        self.clock = clock
    }

    public func append(_ record: LogRecord, publish: ((Appended) -> Void)?) throws(SeatError) -> Appended {
        let now = self.clock.nowMs()
        return self.last.withLock { last in
            last += 1
            let appended = Appended(lsn: last, atMs: now)
            publish?(appended)
            return appended
        }
    }

    public func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value {
        self.last.withLock { body($0) }
    }

    public var lastLSN: LSN { self.last.withLock { $0 } }
}
