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
/// with no `await` in between, so no other request can interleave. Replies wait on `waitDurable`.
public protocol ChangeLog: AnyObject, Sendable {
    /// Assigns `record` the next LSN and queues it for durable storage. `publish`, when given, runs under the
    /// log's lock with the LSN and time before the next record is appended, so events leave in LSN order (and a
    /// subscriber that `withAppendsHeld` registered sees exactly the events after the LSN it was given). Throws
    /// `.unavailable` when the log takes no more changes.
    func append(_ record: LogRecord, publish: ((Appended) -> Void)?) throws(SeatError) -> Appended

    /// Runs `body` with the last LSN assigned while no record can be appended: what `body` registers is in place
    /// before the next LSN's `publish` runs.
    func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value

    /// Returns once every record through `lsn` is durable; throws `.unavailable` if it never will be.
    func waitDurable(through lsn: LSN) async throws(SeatError)

    /// Calls `done` once every record through `lsn` is durable (with nil), or once it is known that they never
    /// will be (with the error): at once, on the caller's thread, when that is known already, else on the log's
    /// own thread, where it must not block. The server's connections wait this way, with no task per wait.
    func whenDurable(through lsn: LSN, _ done: @escaping @Sendable (SeatError?) -> Void)

    /// The last LSN assigned.
    var lastLSN: LSN { get }

    /// Why the log takes no changes now, or nil. Change requests check it first, so that while the log is down
    /// every change answers UNAVAILABLE (not, say, SOLD_OUT from a state that may be about to be reloaded).
    var refusal: String? { get }
}

extension ChangeLog {
    public var refusal: String? { nil }

    /// By a task that waits (logs of tests).
    public func whenDurable(through lsn: LSN, _ done: @escaping @Sendable (SeatError?) -> Void) {
        Task {
            do throws(SeatError) {
                try await self.waitDurable(through: lsn)
                done(nil)
            } catch {
                done(error)
            }
        }
    }
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

    public func waitDurable(through lsn: LSN) async throws(SeatError) {}

    public func whenDurable(through lsn: LSN, _ done: @escaping @Sendable (SeatError?) -> Void) { done(nil) }

    public var lastLSN: LSN { self.last.withLock { $0 } }
}
