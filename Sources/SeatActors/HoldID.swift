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
            for index in 0..<16 { bytes[index] = Self.hexDigit(self.raw >> (60 - 4 * UInt64(index))) }
            return 16
        }
    }

    /// The lowercase hex digit of the low 4 bits of `nibble`.
    @inline(__always)
    public static func hexDigit(_ nibble: UInt64) -> UInt8 {
        let value = UInt8(truncatingIfNeeded: nibble & 0xF)
        return value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value
    }

    public static func < (lhs: HoldID, rhs: HoldID) -> Bool { lhs.raw < rhs.raw }
}
