/// Reads the fields of `OK` replies and EVENT lines into the typed replies. Every function throws
/// `SeatdError.protocolViolation` naming the line when it is not of the form the protocol gives for it.
enum ReplyParser {
    /// The fields after `OK` (none for `OK` alone); an `ERR` line is thrown as its `SeatdError`.
    static func fields(_ line: String) throws(SeatdError) -> [Substring] {
        if let error = SeatdError(replyLine: line) { throw error }
        guard line == "OK" || line.hasPrefix("OK ") else { throw .protocolViolation("not a reply: \(line)") }
        return Self.tokens(line.dropFirst(2))
    }

    /// The space-separated tokens of `text`, found byte by byte (the protocol is ASCII; `split` on characters
    /// costs several times more).
    static func tokens(_ text: Substring) -> [Substring] {
        var tokens: [Substring] = []
        let bytes = text.utf8
        var start: String.Index?
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if bytes[index] == UInt8(ascii: " ") {
                if let first = start { tokens.append(text[first..<index]) }
                start = nil
            } else if start == nil {
                start = index
            }
            bytes.formIndex(after: &index)
        }
        if let first = start { tokens.append(text[first..<bytes.endIndex]) }
        return tokens
    }

    static func violation(_ line: String) -> SeatdError { .protocolViolation("unexpected reply: \(line)") }

    static func int<T: FixedWidthInteger>(_ token: Substring?, _ line: String) throws(SeatdError) -> T {
        guard let token, let value = T(token) else { throw Self.violation(line) }
        return value
    }

    /// `OK <hold> <expires> <item>...`
    static func hold(_ line: String) throws(SeatdError) -> Hold {
        let fields = try Self.fields(line)
        guard fields.count >= 2 else { throw Self.violation(line) }
        return Hold(
            id: String(fields[0]), expiresAtMs: try Self.int(fields[1], line), items: Item.list(fields.dropFirst(2)))
    }

    /// `OK <hold> <item>...`
    static func holdItems(_ line: String) throws(SeatdError) -> HoldItems {
        let fields = try Self.fields(line)
        guard let hold = fields.first else { throw Self.violation(line) }
        return HoldItems(hold: String(hold), items: Item.list(fields.dropFirst()))
    }

    /// `OK <name> <count>` (CREATE HALL, CREATE SESSION): the count.
    static func capacity(_ line: String) throws(SeatdError) -> Int {
        let fields = try Self.fields(line)
        guard fields.count == 2 else { throw Self.violation(line) }
        return try Self.int(fields[1], line)
    }

    static func words(_ line: String) throws(SeatdError) -> [String] { try Self.fields(line).map(String.init) }

    static func availability(_ line: String) throws(SeatdError) -> Availability {
        let pairs = try Self.pairs(line)
        func count(_ key: String) -> Int? { pairs.first { $0.key == key }.flatMap { Int($0.value) } }
        guard let free = count("free"), let held = count("held"), let sold = count("sold") else {
            throw Self.violation(line)
        }
        return Availability(free: free, held: held, sold: sold, blocked: count("blocked"), reserved: count("reserved"))
    }

    static func pairs(_ line: String) throws(SeatdError) -> [(key: String, value: String)] {
        try Self.fields(line).map { field in
            let key = field.prefix { $0 != "=" }
            return (String(key), String(field.dropFirst(key.count + 1)))
        }
    }

    static func map(_ line: String) throws(SeatdError) -> SeatMap {
        var map = SeatMap(rows: [], areas: [])
        for field in try Self.fields(line) {
            let parts = field.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw Self.violation(line) }
            if let slash = parts[1].firstIndex(of: "/") {
                map.areas.append(
                    SeatMap.Area(
                        name: String(parts[0]), free: try Self.int(parts[1][..<slash], line),
                        capacity: try Self.int(parts[1][parts[1].index(after: slash)...], line)))
            } else {
                var seats: [SeatState] = []
                for character in parts[1] {
                    guard let state = SeatState(rawValue: character) else { throw Self.violation(line) }
                    seats.append(state)
                }
                map.rows.append(SeatMap.Row(label: String(parts[0]), seats: seats))
            }
        }
        return map
    }

    /// `OK <hold>:<held|sold>:<item>,<item> ...`
    static func listings(_ line: String) throws(SeatdError) -> [Listing] {
        var listings: [Listing] = []
        for field in try Self.fields(line) {
            let parts = field.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let state = Listing.State(rawValue: String(parts[1])) else {
                throw Self.violation(line)
            }
            listings.append(
                Listing(hold: String(parts[0]), state: state, items: Item.list(parts[2].split(separator: ","))))
        }
        return listings
    }

    /// `OK <seq>:<type>:<item>,<item> ...`
    static func holdHistory(_ line: String) throws(SeatdError) -> [HoldHistoryEntry] {
        var entries: [HoldHistoryEntry] = []
        for field in try Self.fields(line) {
            let parts = field.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { throw Self.violation(line) }
            entries.append(
                HoldHistoryEntry(
                    seq: try Self.int(parts[0], line), type: String(parts[1]),
                    items: Item.list(parts[2].split(separator: ","))))
        }
        return entries
    }

    /// `OK <seq>:<type>:<hold>:<customer> ...`
    static func seatHistory(_ line: String) throws(SeatdError) -> [SeatHistoryEntry] {
        var entries: [SeatHistoryEntry] = []
        for field in try Self.fields(line) {
            let parts = field.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4 else { throw Self.violation(line) }
            entries.append(
                SeatHistoryEntry(
                    seq: try Self.int(parts[0], line), type: String(parts[1]), hold: Self.dash(parts[2]),
                    customer: Self.dash(parts[3])))
        }
        return entries
    }

    /// `OK <first>-<last>=<shard>@<host:port|-> ...`
    static func slots(_ line: String) throws(SeatdError) -> [SlotRange] {
        var ranges: [SlotRange] = []
        for field in try Self.fields(line) {
            guard let equals = field.firstIndex(of: "="), let at = field.firstIndex(of: "@") else {
                throw Self.violation(line)
            }
            let bounds = field[..<equals].split(separator: "-")
            guard bounds.count == 2 else { throw Self.violation(line) }
            let first: Int = try Self.int(bounds[0], line)
            let last: Int = try Self.int(bounds[1], line)
            guard first <= last else { throw Self.violation(line) }
            ranges.append(
                SlotRange(
                    slots: first...last, shard: String(field[field.index(after: equals)..<at]),
                    address: Self.dash(field[field.index(after: at)...])))
        }
        return ranges
    }

    /// `EVENT <seq> <type> <session> <hold> <customer> <item>...`
    static func event(_ line: String) throws(SeatdError) -> Event {
        let fields = Self.tokens(line[...])
        guard fields.count >= 6, fields[0] == "EVENT" else { throw Self.violation(line) }
        return Event(
            seq: try Self.int(fields[1], line), type: String(fields[2]), session: String(fields[3]),
            hold: Self.dash(fields[4]), customer: Self.dash(fields[5]), items: Item.list(fields.dropFirst(6)))
    }

    private static func dash(_ token: Substring) -> String? { token == "-" ? nil : String(token) }
}
