/// Where hold ids come from. Production reads the system's secure random source; tests inject a seeded one.
public protocol HoldIDSource: Sendable {
    /// 64 fresh random bits.
    func next() -> UInt64
}
