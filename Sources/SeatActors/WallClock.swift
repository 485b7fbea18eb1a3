import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unix time in milliseconds. Injected everywhere time matters, so tests never sleep.
public protocol WallClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func nowMs() -> Int64
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

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

/// A deterministic hold id source (SplitMix64) for tests and reproducible load runs.
public final class SeededHoldIDSource: HoldIDSource {
    private let generator: Mutex<SplitMix64>

    public init(seed: UInt64) {
        self.generator = Mutex(SplitMix64(seed: seed))
    }

    public func next() -> UInt64 {
        self.generator.withLock { $0.next() }
    }
}
