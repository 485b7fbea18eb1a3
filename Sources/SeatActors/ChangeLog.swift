/// Where changes go to become durable. `append` never suspends: a session actor decides, appends and applies
/// with no `await` in between, so no other request can interleave. Whether a change is durable yet is not the
/// domain's question: the server's `Store` decides it (`LogService.durability(of:)`), and replies wait there.
public protocol ChangeLog: AnyObject, Sendable {
    /// Assigns `record` the next LSN and queues it for durable storage. `publish` runs under the log's lock with
    /// the LSN and time before the next record is appended, so events leave in LSN order (and a subscriber that
    /// `withAppendsHeld` registered sees exactly the events after the LSN it was given); it does not escape, so
    /// no context is allocated for it. Throws `.unavailable` when the log takes no more changes.
    func append(_ record: LogRecord, publish: (Appended) -> Void) throws(SeatError) -> Appended

    /// Runs `body` with the last LSN assigned while no record can be appended: what `body` registers is in place
    /// before the next LSN's `publish` runs.
    func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value

    /// The last LSN assigned.
    var lastLSN: LSN { get }

    /// The log generation its LSNs belong to: the store starts a new one when the log fails and when it resumes.
    /// A reply's `CommitToken` names its change by both (`token(through:)`).
    var generation: Int { get }

    /// Why the log takes no changes now, or nil. Change requests check it first, so that while the log is down
    /// every change answers UNAVAILABLE (not, say, SOLD_OUT from a state that may be about to be reloaded).
    var refusal: String? { get }
}

extension ChangeLog {
    public var refusal: String? { nil }

    /// Appends a record that publishes no event.
    public func append(_ record: LogRecord) throws(SeatError) -> Appended {
        try self.append(record) { _ in }
    }

    /// A log of one generation (tests, the in-process benchmarks).
    public var generation: Int { 0 }

    /// What a reply that reflects the changes through `lsn` of this log waits for.
    public func token(through lsn: LSN) -> CommitToken { CommitToken(epoch: self.generation, lsn: lsn) }
}
