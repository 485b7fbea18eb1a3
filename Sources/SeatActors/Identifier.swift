/// Validation of the protocol's `id` form: 1...64 characters of `[A-Za-z0-9._:-]`.
public enum Identifier {
    /// True when `text` is a valid hall, session, customer, key or ref id.
    public static func isValid(_ text: Substring) -> Bool {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= Limits.idCharactersMax else { return false }
        return utf8.allSatisfy(Self.isIDByte)
    }

    /// True when `text` is a valid id.
    public static func isValid(_ text: String) -> Bool {
        Self.isValid(text[...])
    }

    @inline(__always)
    public static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: ":"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
