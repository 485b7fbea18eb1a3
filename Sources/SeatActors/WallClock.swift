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
    private let state: Mutex<UInt64>

    public init(seed: UInt64) {
        self.state = Mutex(seed)
    }

    public func next() -> UInt64 {
        self.state.withLock { state in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
