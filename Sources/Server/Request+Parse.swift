import SeatActors

/// Parsing is a pure function of one line: no actors, no state.
extension Request {
    /// The largest count BEST/ANY may name in a request; the engine's seats-per-hold limit is lower and answers
    /// LIMIT, this bound only keeps absurd numbers out of the parser.
    static let countMax = 1_000_000
    static let holdOptions: Set<String> = ["ttl", "key", "cat", "flag", "channel", "orphans", "fallback"]
    static let confirmOptions: Set<String> = ["ref", "key"]
    static let addOptions: Set<String> = ["key", "cat", "flag", "channel", "orphans", "fallback"]
    static let sellOptions: Set<String> = ["ref", "key", "cat", "flag", "channel", "orphans", "fallback"]
    static let keyOption: Set<String> = ["key"]
    static let partOptions: Set<String> = ["cat", "flag"]
    static let watchOptions: Set<String> = ["from"]
    static let sessionOptions: Set<String> = ["ttl", "maxttl", "limit", "orphans", "grace", "keyttl"]
    /// The longest auth token, in bytes.
    static let tokenBytesMax = 256

    /// Parses one line (without its LF; a trailing CR is dropped). nil for a blank line, which gets no reply.
    public static func parse(_ line: Substring) -> Result<Request, ProtocolError>? {
        var text = line
        if text.last == "\r" { text = text.dropLast() }
        let tokens = Self.tokens(text)
        guard let verb = tokens.first else { return nil }
        let arguments = tokens.dropFirst()
        do throws(ProtocolError) {
            return .success(try Self.parse(verb: Self.asciiUppercased(verb), arguments))
        } catch {
            return .failure(error)
        }
    }

    private static func parse(verb: String, _ args: ArraySlice<Substring>) throws(ProtocolError) -> Request {
        switch verb {
        case "PING":
            try Self.count(args, 0, "PING")
            return .ping
        case "STATS":
            try Self.count(args, 0, "STATS")
            return .stats
        case "SNAPSHOT":
            try Self.count(args, 0, "SNAPSHOT")
            return .snapshot
        case "QUIT":
            try Self.count(args, 0, "QUIT")
            return .quit
        case "CLUSTER":
            guard args.count == 1 else { throw .bad("usage: CLUSTER INFO | CLUSTER SLOTS | CLUSTER FAILOVER") }
            switch Self.asciiUppercased(args.first!) {
            case "INFO": return .clusterInfo
            case "SLOTS": return .clusterSlots
            case "FAILOVER": return .clusterFailover
            default: throw .bad("usage: CLUSTER INFO | CLUSTER SLOTS | CLUSTER FAILOVER")
            }
        case "AUTH":
            try Self.count(args, 1, "AUTH <token>")
            return .auth(token: try Self.token(args.first!))
        case "CREATE": return try Self.parseCreate(args)
        case "DROP":
            guard args.count == 2, args.first!.uppercased() == "SESSION" else {
                throw .bad("usage: DROP SESSION <session>")
            }
            return .dropSession(try Self.id(args.last!, "session"))
        case "HOLD": return try Self.parseHold(args)
        case "EXTEND":
            guard args.count == 3 || args.count == 4 else {
                throw .bad("usage: EXTEND <session> <hold> <ttl-s> [key=<k>]")
            }
            let (session, hold) = try Self.sessionAndHold(args)
            var options = try RequestOptions(args.dropFirst(3), allowed: Self.keyOption)
            let ttl = try Self.number(args.dropFirst(2).first!, "ttl", max: Limits.ttlSecondsMax)
            return .session(session, .extend(hold: hold, ttlSeconds: ttl, key: try options.id("key")))
        case "CONFIRM":
            guard args.count >= 2 && args.count <= 4 else {
                throw .bad("usage: CONFIRM <session> <hold> [ref=<id>] [key=<k>]")
            }
            let (session, hold) = try Self.sessionAndHold(args)
            var options = try RequestOptions(args.dropFirst(2), allowed: Self.confirmOptions)
            return .session(session, .confirm(hold: hold, ref: try options.id("ref"), key: try options.id("key")))
        case "RELEASE", "CANCEL":
            guard args.count >= 2 else {
                throw .bad("usage: \(verb) <session> <hold> [<seat>|<area>:<n>...] [key=<k>]")
            }
            let (session, hold) = try Self.sessionAndHold(args)
            let rest = args.dropFirst(2)
            let positional = rest.prefix { !$0.utf8.contains(UInt8(ascii: "=")) }
            var options = try RequestOptions(rest.dropFirst(positional.count), allowed: Self.keyOption)
            let (seats, places) = try Self.items(positional)
            let whole = seats.isEmpty && places.isEmpty
            let key = try options.id("key")
            if verb == "RELEASE" {
                return .session(session, .release(hold: hold, seats: whole ? nil : seats, places: places, key: key))
            }
            return .session(session, .cancel(hold: hold, seats: whole ? nil : seats, places: places, key: key))
        case "ADD":
            guard args.count >= 3 else {
                throw .bad("usage: ADD <session> <hold> <seat>|<area>:<n>...|BEST <n>|ANY <n> [options]")
            }
            let (session, hold) = try Self.sessionAndHold(args)
            let (selection, options, choice) = try Self.selection(
                args.dropFirst(2), allowed: Self.addOptions,
                usage: "usage: ADD <session> <hold> <seat>|<area>:<n>...|BEST <n>|ANY <n> [options]")
            var named = choice
            return .session(session, .add(hold: hold, selection: selection, key: try named.id("key"), options: options))
        case "SELL":
            let usage =
                "usage: SELL <session> <customer> <seat>|<area>:<n>...|BEST <n>|ANY <n> [ref=<id>] [key=<k>] [options]"
            guard args.count >= 3 else { throw .bad(usage) }
            let session = try Self.id(args.first!, "session")
            let customer = try Self.id(args.dropFirst().first!, "customer")
            let (selection, options, choice) = try Self.selection(
                args.dropFirst(2), allowed: Self.sellOptions, usage: usage)
            var named = choice
            return .session(
                session,
                .sell(
                    customer: customer, selection: selection, ref: try named.id("ref"),
                    key: try named.id("key"), options: options))
        case "AVAIL":
            guard args.count == 1 || args.count == 2 else {
                throw .bad("usage: AVAIL <session> [cat=<c>|flag=<f>|<area>]")
            }
            let session = try Self.id(args.first!, "session")
            guard args.count == 2 else { return .session(session, .avail) }
            let part = args.last!
            if HallPart.isAreaName(part) { return .session(session, .availPart(.area(String(part)))) }
            var options = try RequestOptions(args.dropFirst(), allowed: Self.partOptions)
            if let category = try options.id("cat") { return .session(session, .availPart(.category(category))) }
            return .session(session, .availPart(.flag(try options.id("flag")!)))
        case "BLOCK", "UNBLOCK", "UNRESERVE":
            guard args.count >= 2 else { throw .bad("usage: \(verb) <session> <seat>...") }
            let session = try Self.id(args.first!, "session")
            let seats = try Self.seats(args.dropFirst())
            if verb == "UNRESERVE" { return .session(session, .reserve(seats: seats, channel: nil)) }
            return .session(session, .block(seats: seats, verb == "BLOCK"))
        case "RESERVE":
            guard args.count >= 3 else { throw .bad("usage: RESERVE <session> <channel> <seat>...") }
            let session = try Self.id(args.first!, "session")
            let channel = try Self.id(args.dropFirst().first!, "channel")
            return .session(session, .reserve(seats: try Self.seats(args.dropFirst(2)), channel: channel))
        case "HALL":
            try Self.count(args, 1, "HALL <hall>")
            return .hall(try Self.id(args.first!, "hall"))
        case "HALLS":
            try Self.count(args, 0, "HALLS")
            return .halls
        case "SESSIONS":
            guard args.count <= 1 else { throw .bad("usage: SESSIONS [<hall>]") }
            guard let hall = args.first else { return .sessions(hall: nil) }
            return .sessions(hall: try Self.id(hall, "hall"))
        case "MAP":
            try Self.count(args, 1, "MAP <session>")
            return .session(try Self.id(args.first!, "session"), .map)
        case "LIST":
            try Self.count(args, 2, "LIST <session> <customer>")
            return .session(try Self.id(args.first!, "session"), .list(customer: try Self.id(args.last!, "customer")))
        case "WATCH":
            guard args.count == 1 || args.count == 2 else { throw .bad("usage: WATCH <session>|* [from=<seq>]") }
            let session = args.first! == "*" ? nil : try Self.id(args.first!, "session")
            guard args.count == 2 else { return .watch(session: session) }
            var options = try RequestOptions(args.dropFirst(), allowed: Self.watchOptions)
            let from = try options.number("from", max: 9_999_999_999)!
            return .watch(session: session, from: LSN(from))
        case "HISTORY":
            guard args.count == 2 else { throw .bad("usage: HISTORY <session> <hold>|seat=<seat>|seat=<area>") }
            let session = try Self.id(args.first!, "session")
            let target = args.last!
            guard target.hasPrefix("seat=") else {
                let token = try Self.id(target, "hold")
                return .session(session, .history(.hold(HoldID(token[...]).map(HoldRef.id) ?? .unissued(token))))
            }
            let item = target.dropFirst(5)
            if let seat = SeatLabel(item) { return .session(session, .history(.seat(seat))) }
            guard HallPart.isAreaName(item) else {
                throw .bad("seat= takes a seat (A1) or a GA area, not \(item.prefix(32))")
            }
            return .session(session, .history(.area(String(item))))
        default:
            throw ProtocolError(code: .unknownCommand, message: "unknown command \(verb.prefix(32))")
        }
    }

    private static func parseCreate(_ args: ArraySlice<Substring>) throws(ProtocolError) -> Request {
        guard let kind = args.first?.uppercased() else { throw .bad("usage: CREATE HALL|SESSION ...") }
        let rest = args.dropFirst()
        switch kind {
        case "HALL":
            guard rest.count >= 2 else { throw .bad("usage: CREATE HALL <hall> <rowspec>|ga:|cat:|flag:...") }
            let id = try Self.id(rest.first!, "hall")
            do {
                let (rows, parts) = try Hall.parse(Array(rest.dropFirst()))
                return .createHall(id: id, rows: rows, parts: parts)
            } catch { throw .bad(error.message) }
        case "SESSION":
            guard rest.count >= 2 else {
                throw .bad(
                    "usage: CREATE SESSION <session> <hall> [ttl=<s>] [maxttl=<s>] [limit=<n>] [orphans=avoid] [grace=<s>] [keyttl=<s>]"
                )
            }
            let id = try Self.id(rest.first!, "session")
            let hall = try Self.id(rest.dropFirst().first!, "hall")
            var options = try RequestOptions(
                rest.dropFirst(2), allowed: Self.sessionOptions)
            return .createSession(
                id: id, hall: hall, ttlSeconds: try options.number("ttl", max: Limits.ttlSecondsMax),
                maxTTLSeconds: try options.number("maxttl", max: Limits.ttlSecondsMax),
                limit: try options.number(
                    "limit", max: Limits.hallSeatsMax + HallPart.areaCapacityMax * HallPart.perKindMax),
                avoidsOrphans: try options.orphans() ?? false,
                graceSeconds: try options.count("grace", max: Limits.ttlSecondsMax),
                keyTTLSeconds: try options.number("keyttl", max: Limits.keyTTLSecondsMax))
        default:
            throw .bad("usage: CREATE HALL|SESSION ...")
        }
    }

    private static let holdUsage =
        "usage: HOLD <session> <customer> <seat>|<area>:<n>...|BEST <n>|ANY <n> [ttl=<s>] "
        + "[key=<k>] [cat=<c>] [flag=<f>] [channel=<c>] [orphans=avoid] [fallback=split]"

    private static func parseHold(_ args: ArraySlice<Substring>) throws(ProtocolError) -> Request {
        let usage = Self.holdUsage
        guard args.count >= 3 else { throw .bad(usage) }
        let session = try Self.id(args.first!, "session")
        let customer = try Self.id(args.dropFirst().first!, "customer")
        var (selection, hold, options) = try Self.selection(args.dropFirst(2), allowed: Self.holdOptions, usage: usage)
        return .session(
            session,
            .hold(
                customer: customer, selection: selection,
                ttlSeconds: try options.number("ttl", max: Limits.ttlSecondsMax),
                key: try options.id("key"), options: hold))
    }

    /// What HOLD, ADD and SELL choose: listed items, or BEST/ANY with the options that steer them. Returns the
    /// options left for the verb to read (ttl=, key=, ref=).
    private static func selection(
        _ rest: ArraySlice<Substring>, allowed: Set<String>, usage: String
    )
        throws(ProtocolError) -> (SeatSelection, HoldOptions, RequestOptions)
    {
        let positional = rest.prefix { !$0.utf8.contains(UInt8(ascii: "=")) }
        var options = try RequestOptions(rest.dropFirst(positional.count), allowed: allowed)
        var hold = HoldOptions(
            category: try options.id("cat"), flag: try options.id("flag"),
            channel: try options.id("channel"), avoidOrphans: try options.orphans(),
            split: try options.fallback())
        let selection: SeatSelection
        let keyword = positional.first.map(Self.asciiUppercased)
        switch keyword {
        case "BEST", "ANY":
            guard positional.count == 2 else { throw .bad(usage) }
            let count = try Self.number(positional.last!, "seat count", max: Self.countMax)
            selection = keyword == "BEST" ? .best(count) : .any(count)
            if keyword == "ANY", hold.avoidOrphans != nil || hold.split {
                throw .bad("orphans= and fallback= apply to BEST")
            }
        case nil:
            throw .bad(usage)
        default:
            let (seats, places) = try Self.items(positional)
            guard hold.category == nil, hold.flag == nil, hold.avoidOrphans == nil, !hold.split else {
                throw .bad("cat=, flag=, orphans= and fallback= apply to BEST and ANY")
            }
            selection = .explicit(seats)
            hold.places = places
        }
        return (selection, hold, options)
    }

    /// Seats and GA places (`<area>:<n>`, since 1.1), each named at most once.
    private static func items(_ tokens: ArraySlice<Substring>) throws(ProtocolError) -> ([SeatLabel], [AreaPlaces]) {
        // Seats only (the common case): no list of their tokens.
        if !tokens.contains(where: { $0.utf8.contains(UInt8(ascii: ":")) }) { return (try Self.seats(tokens), []) }
        var places: [AreaPlaces] = []
        var seatTokens: [Substring] = []
        for token in tokens {
            if let place = AreaPlaces(token) {
                guard !places.contains(where: { $0.area == place.area }) else {
                    throw .bad("area \(place.area) is named twice")
                }
                places.append(place)
            } else if token.utf8.contains(UInt8(ascii: ":")) {
                throw .bad(
                    "'\(token.prefix(40))' is not places like pit:2 (an area, then 1 to \(HallPart.areaCapacityMax))")
            } else {
                seatTokens.append(token)
            }
        }
        return (try Self.seats(seatTokens[...]), places)
    }

    // MARK: Pieces

    /// The space-separated tokens of a line, split on its UTF-8 bytes (spaces are ASCII; no grapheme breaking).
    private static func tokens(_ text: Substring) -> [Substring] {
        var tokens: [Substring] = []
        tokens.reserveCapacity(8)
        let utf8 = text.utf8
        var index = utf8.startIndex
        while index < utf8.endIndex {
            guard utf8[index] != UInt8(ascii: " ") else {
                index = utf8.index(after: index)
                continue
            }
            let start = index
            while index < utf8.endIndex, utf8[index] != UInt8(ascii: " ") { index = utf8.index(after: index) }
            tokens.append(Substring(utf8[start..<index]))
        }
        return tokens
    }

    /// Verbs, keywords and option names are ASCII and case-insensitive: upper-case their ASCII letters only (most
    /// arrive in upper case already, and then nothing is converted).
    static func asciiUppercased(_ token: Substring) -> String {
        let utf8 = token.utf8
        guard utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else { return String(token) }
        return String(
            decoding: utf8.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 32 : $0 }, as: UTF8.self)
    }

    private static func count(_ args: ArraySlice<Substring>, _ expected: Int, _ usage: String) throws(ProtocolError) {
        guard args.count == expected else { throw .bad("usage: \(usage)") }
    }

    static func id(_ token: Substring, _ what: String) throws(ProtocolError) -> String {
        guard Identifier.isValid(token) else {
            throw .bad("\(what) id must be 1-\(Limits.idCharactersMax) characters of A-Z a-z 0-9 . _ : -")
        }
        return String(token)
    }

    /// An auth token: 1..`tokenBytesMax` visible ASCII characters (no spaces or control bytes).
    static func token(_ token: Substring) throws(ProtocolError) -> String {
        guard Self.isToken(token) else {
            throw .bad("a token is 1-\(Self.tokenBytesMax) visible ASCII characters, without spaces or control bytes")
        }
        return String(token)
    }

    /// True for the form of an auth token (AUTH's argument and every configured token).
    static func isToken(_ token: Substring) -> Bool {
        let utf8 = token.utf8
        return !utf8.isEmpty && utf8.count <= Self.tokenBytesMax && utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    private static func sessionAndHold(_ args: ArraySlice<Substring>) throws(ProtocolError) -> (String, HoldRef) {
        let session = try Self.id(args.first!, "session")
        let token = try Self.id(args.dropFirst().first!, "hold")
        return (session, HoldID(token[...]).map(HoldRef.id) ?? .unissued(token))
    }

    /// A positive decimal integer without sign or leading zero, at most `max`.
    static func number(_ token: Substring, _ what: String, max: Int) throws(ProtocolError) -> Int {
        guard let first = token.utf8.first, first != UInt8(ascii: "0"), token.utf8.count <= 10,
            token.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int(token), value <= max
        else { throw .bad("\(what) must be a whole number from 1 to \(max)") }
        return value
    }

    private static func seats(_ tokens: ArraySlice<Substring>) throws(ProtocolError) -> [SeatLabel] {
        var seats: [SeatLabel] = []
        seats.reserveCapacity(tokens.count)
        for token in tokens {
            guard let seat = SeatLabel(token) else { throw .bad("'\(token.prefix(16))' is not a seat like A1 or AB12") }
            seats.append(seat)
        }
        // Most holds name a few seats: compare pairs; beyond that, a set.
        if seats.count <= 8 {
            for index in seats.indices where seats[..<index].contains(seats[index]) {
                throw .bad("seat \(seats[index]) is named twice")
            }
        } else if let repeated = Self.firstRepeated(seats) {
            throw .bad("seat \(repeated) is named twice")
        }
        return seats
    }

    private static func firstRepeated(_ seats: [SeatLabel]) -> SeatLabel? {
        var seen = Set<SeatLabel>()
        return seats.first { !seen.insert($0).inserted }
    }
}
