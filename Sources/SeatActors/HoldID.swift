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
        String(unsafeUninitializedCapacity: 16) { bytes in
            let digits = Array("0123456789abcdef".utf8)
            for index in 0..<16 { bytes[index] = digits[Int((self.raw >> (60 - 4 * UInt64(index))) & 0xF)] }
            return 16
        }
    }

    public static func < (lhs: HoldID, rhs: HoldID) -> Bool { lhs.raw < rhs.raw }
}
