/// The operating system's cryptographically secure random source, read a block at a time: one read of
/// `/dev/urandom` (the kernel's CSPRNG, as `getrandom` is) gives 512 hold ids, instead of a system call per HOLD
/// (`SystemRandomNumberGenerator` makes one per value). Every instance draws from one process-wide buffer.
public struct SystemHoldIDSource: HoldIDSource {
    public init() {}
    public func next() -> UInt64 { RandomBlock.shared.next() }
}
