/// A seat as clients name it: a row label of 1...3 uppercase letters and a number 1...9999 (`A1`, `AA30`).
public struct SeatLabel: Hashable, Sendable, CustomStringConvertible {
    /// The row label, e.g. `AB`.
    public let row: String
    /// The seat number within the row, 1...9999.
    public let number: Int

    /// Makes a label from parts already known to be valid.
    public init(row: String, number: Int) {
        precondition(SeatLabel.isRowLabel(row[...]), "bad row label \(row)")
        precondition((1...Limits.seatNumberMax).contains(number), "bad seat number \(number)")
        self.row = row
        self.number = number
    }

    /// Parses `A1`-style text; nil when it is not of the seat form (a BAD_REQUEST, not NO_SUCH_SEAT).
    public init?(_ text: Substring) {
        let utf8 = text.utf8
        guard let firstDigit = utf8.firstIndex(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        let rowPart = text[text.startIndex..<firstDigit]
        let numberPart = text[firstDigit...]
        guard SeatLabel.isRowLabel(rowPart), let number = SeatLabel.parseNumber(numberPart) else { return nil }
        self.row = String(rowPart)
        self.number = number
    }

    /// `init?(_:)` on a line's bytes, with no string for the text (the server's fast path for the hot requests).
    public init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard let firstDigit = bytes.firstIndex(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            SeatLabel.isRowLabel(bytes: bytes[..<firstDigit]),
            let number = SeatLabel.parseNumber(bytes: bytes[firstDigit...])
        else { return nil }
        self.row = String(decoding: bytes[..<firstDigit], as: UTF8.self)
        self.number = number
    }

    /// `A1`.
    public var description: String { "\(self.row)\(self.number)" }

    /// True for 1...3 uppercase ASCII letters.
    public static func isRowLabel(_ text: Substring) -> Bool {
        Self.isRowLabel(bytes: text.utf8)
    }

    /// Parses a seat number 1...9999 written without sign or leading zero.
    public static func parseNumber(_ text: Substring) -> Int? {
        Self.parseNumber(bytes: text.utf8)
    }

    static func isRowLabel(bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.count <= Limits.rowLabelLettersMax
            && bytes.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }

    static func parseNumber(bytes: some Collection<UInt8>) -> Int? {
        guard let first = bytes.first, first != UInt8(ascii: "0"), bytes.count <= 4 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
