/// A hold's id: 64 random bits, shown as 16 lowercase hex digits. Knowing it entitles a client to confirm or
/// release the hold. Zero is never used, so a seat's owner word can use it for "none".
public struct HoldID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 64 bits.
    public let raw: UInt64

    /// Wraps non-zero bits.
    public init(raw: UInt64) {
        precondition(raw != 0, "hold id 0 is reserved")
        self.raw = raw
    }

    /// Parses 16 hex digits (either case); nil for anything else.
    public init?(_ text: Substring) {
        guard text.utf8.count == 16, let raw = UInt64(text, radix: 16), raw != 0 else { return nil }
        self.raw = raw
    }

    /// 16 lowercase hex digits.
    public var description: String {
        let hex = String(self.raw, radix: 16)
        return String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }

    public static func < (lhs: HoldID, rhs: HoldID) -> Bool { lhs.raw < rhs.raw }
}

/// Where hold ids come from. Production reads the system's secure random source; tests inject a seeded one.
public protocol HoldIDSource: Sendable {
    /// 64 fresh random bits.
    func next() -> UInt64
}

/// The operating system's cryptographically secure random source (getrandom on Linux).
public struct SystemHoldIDSource: HoldIDSource {
    public init() {}
    public func next() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }
}
