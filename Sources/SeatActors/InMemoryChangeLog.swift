import Synchronization

/// A log that keeps nothing: every record is "durable" at once. For tests and the in-process benchmark.
public final class InMemoryChangeLog: ChangeLog {
    private let last: Mutex<LSN>
    private let clock: any WallClock

    /// Starts after `lastLSN` (the last LSN of a recovered state).
    public init(lastLSN: LSN = 0, clock: any WallClock = SystemWallClock()) {
        self.last = Mutex(lastLSN)
        self.clock = clock
    }

    public func append(_ record: LogRecord, publish: (Appended) -> Void) throws(SeatError) -> Appended {
        let now = self.clock.nowMs()
        return self.last.withLock { last in
            last += 1
            let appended = Appended(lsn: last, atMs: now)
            publish(appended)
            return appended
        }
    }

    public func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value {
        self.last.withLock { body($0) }
    }

    public var lastLSN: LSN { self.last.withLock { $0 } }
}
