import SeatActors

/// The hot requests parsed straight from a line's bytes, with no `String` for the line and no list of its tokens:
/// `HOLD <session> <customer> <seat>...` (1 to 8 distinct seats, no options), `RELEASE <session> <hold>` and
/// `CONFIRM <session> <hold>` with a hold id of 16 hex digits. Anything else (another verb or case, a run of
/// spaces, a CR, options, places, BEST/ANY, any error) is nil, and the general parser (`parse(_:)`) decides.
/// For every line this accepts, it gives the request the general parser gives: the request fuzzer
/// (Tests/Fuzz/RequestFuzz.swift) checks both on every input, and RequestParseTests on a table.
extension Request {
    static func parseFast(_ line: UnsafeRawBufferPointer) -> Request? {
        var line = FastLine(line)
        guard let verb = line.next() else { return nil }
        switch verb.count {
        case 4 where FastLine.equals(line.bytes, verb, "HOLD"):
            guard let session = line.id(), let customer = line.id() else { return nil }
            var seats: [SeatLabel] = []
            seats.reserveCapacity(2)
            while let token = line.next() {
                guard seats.count < 8, let seat = SeatLabel(utf8: UnsafeRawBufferPointer(rebasing: line.bytes[token]))
                else { return nil }
                seats.append(seat)
            }
            guard !seats.isEmpty, line.isAtEnd else { return nil }
            for index in seats.indices where seats[..<index].contains(seats[index]) { return nil }
            return .session(
                session, .hold(customer: customer, selection: .explicit(seats), ttlSeconds: nil, key: nil))
        case 7 where FastLine.equals(line.bytes, verb, "RELEASE"), 7 where FastLine.equals(line.bytes, verb, "CONFIRM"):
            let release = line.bytes[verb.lowerBound] == UInt8(ascii: "R")
            guard let session = line.id(), let token = line.next(), let hold = FastLine.holdID(line.bytes, token),
                line.next() == nil, line.isAtEnd
            else { return nil }
            if release { return .session(session, .release(hold: .id(hold), seats: nil, places: [], key: nil)) }
            return .session(session, .confirm(hold: .id(hold), ref: nil, key: nil))
        default:
            return nil
        }
    }
}

/// A cursor over a line's bytes for `parseFast`: tokens separated by exactly one space, of visible ASCII only.
private struct FastLine {
    let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// False once the line broke the simple form (two spaces, a leading or trailing space, a byte outside
    /// 0x21-0x7e): the caller then gives up.
    private(set) var isClean = true

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { self.isClean && self.index >= self.bytes.count }

    /// The next token's range; nil at the end or when the form breaks.
    mutating func next() -> Range<Int>? {
        guard self.isClean, self.index < self.bytes.count else { return nil }
        if self.index > 0 {
            // After a token: one space, then a token.
            guard self.bytes[self.index] == UInt8(ascii: " ") else { return self.broken() }
            self.index += 1
        }
        let start = self.index
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: " ") { break }
            guard byte >= 0x21 && byte <= 0x7E else { return self.broken() }
            self.index += 1
        }
        return start < self.index ? start..<self.index : self.broken()
    }

    private mutating func broken() -> Range<Int>? {
        self.isClean = false
        return nil
    }

    /// The next token as an id (`Identifier`), or nil.
    mutating func id() -> String? {
        guard let token = self.next(), token.count <= Limits.idCharactersMax,
            self.bytes[token].allSatisfy(Identifier.isIDByte)
        else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[token]), as: UTF8.self)
    }

    static func equals(_ bytes: UnsafeRawBufferPointer, _ token: Range<Int>, _ word: StaticString) -> Bool {
        guard token.count == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { word in
            for offset in 0..<word.count where bytes[token.lowerBound + offset] != word[offset] { return false }
            return true
        }
    }

    /// A hold id of 16 hex digits (either case), not zero (`HoldID(_:)`), or nil.
    static func holdID(_ bytes: UnsafeRawBufferPointer, _ token: Range<Int>) -> HoldID? {
        guard token.count == 16 else { return nil }
        var raw: UInt64 = 0
        for offset in token {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            raw = raw << 4 | UInt64(digit)
        }
        return raw == 0 ? nil : HoldID(raw: raw)
    }
}
