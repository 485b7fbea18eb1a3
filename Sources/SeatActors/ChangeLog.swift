import Synchronization

/// Where changes go to become durable. `append` never suspends: a session actor decides, appends and applies
/// with no `await` in between, so no other request can interleave. Replies wait on `waitDurable`.
public protocol ChangeLog: AnyObject, Sendable {
    /// Assigns `record` the next LSN and queues it for durable storage. `publish`, when given, runs with the LSN
    /// before the next record is appended, so events leave in LSN order. Throws `.unavailable` when the log
    /// takes no more changes.
    func append(_ record: LogRecord, publish: ((LSN) -> Void)?) throws(SeatError) -> LSN

    /// Returns once every record through `lsn` is durable; throws `.unavailable` if it never will be.
    func waitDurable(through lsn: LSN) async throws(SeatError)

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

    /// Starts after `lastLSN` (the last LSN of a recovered state).
    public init(lastLSN: LSN = 0) {
        self.last = Mutex(lastLSN)
    }

    public func append(_ record: LogRecord, publish: ((LSN) -> Void)?) throws(SeatError) -> LSN {
        self.last.withLock { last in
            last += 1
            publish?(last)
            return last
        }
    }

    public func waitDurable(through lsn: LSN) async throws(SeatError) {}

    public var lastLSN: LSN { self.last.withLock { $0 } }
}
