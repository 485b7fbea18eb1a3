import Synchronization

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
