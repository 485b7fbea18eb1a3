import Synchronization

/// A clock that moves only when told to.
public final class ManualClock: WallClock {
    private let current: Mutex<Int64>

    /// Starts at `startMs` (a fixed, recognisable instant by default).
    public init(startMs: Int64 = 1_800_000_000_000) {
        self.current = Mutex(startMs)
    }

    public func nowMs() -> Int64 { self.current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(byMs delta: Int64) {
        self.current.withLock { $0 += delta }
    }
}
