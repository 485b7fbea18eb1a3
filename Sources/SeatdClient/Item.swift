/// What a hold is made of: a seat (`A1`) or places of a general-admission area (`pit:4`). A string literal is
/// read the same way the protocol writes items: `"pit:4"` is places, anything else a seat.
public enum Item: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    case seat(String)
    case places(area: String, count: Int)

    /// Reads an item as the protocol writes it.
    public init(_ token: some StringProtocol) {
        if let colon = token.utf8.firstIndex(of: UInt8(ascii: ":")),
            let count = Int(token[token.index(after: colon)...])
        {
            self = .places(area: String(token[..<colon]), count: count)
        } else {
            self = .seat(String(token))
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// The item as the protocol writes it.
    public var description: String {
        switch self {
        case .seat(let label): label
        case .places(let area, let count): "\(area):\(count)"
        }
    }

    static func list(_ tokens: some Sequence<some StringProtocol>) -> [Item] { tokens.map { Item($0) } }
}

/// A live hold: its id, when it lapses (Unix milliseconds) and every item it holds, in hall order.
public struct Hold: Sendable, Equatable {
    public var id: String
    public var expiresAtMs: Int64
    public var items: [Item]

    public init(id: String, expiresAtMs: Int64, items: [Item]) {
        self.id = id
        self.expiresAtMs = expiresAtMs
        self.items = items
    }
}

/// The reply of a change that names a hold and items: CONFIRM, SELL, CANCEL, RELEASE (the items it gave back).
public struct HoldItems: Sendable, Equatable {
    public var hold: String
    public var items: [Item]

    public init(hold: String, items: [Item]) {
        self.hold = hold
        self.items = items
    }
}

/// Which seats a HOLD, ADD or SELL asks for.
public enum Selection: Sendable, Equatable {
    /// These seats and places, all or nothing.
    case items([Item])
    /// The best block of n adjacent seats (see Best seats in the protocol).
    case best(Int)
    /// The n best seats, adjacent or not.
    case any(Int)

    var tokens: [String] {
        switch self {
        case .items(let items): items.map(\.description)
        case .best(let count): ["BEST", String(count)]
        case .any(let count): ["ANY", String(count)]
        }
    }
}

/// The idempotency key of a change (`key=`). A change with a key is retried after an ambiguous failure, and the
/// server answers the retry as it answered the first attempt; a change without one is not.
public enum ChangeKey: Sendable, Equatable, ExpressibleByStringLiteral {
    /// This key.
    case key(String)
    /// A key the client makes up for this call (random, 16 hex digits after `sc-`), kept across its retries.
    case generated

    public init(stringLiteral value: String) { self = .key(value) }

    func resolved() -> String {
        switch self {
        case .key(let key): key
        case .generated: "sc-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        }
    }
}

/// Options of HOLD, ADD and SELL; each nil is left out of the request (the server's default).
public struct HoldOptions: Sendable, Equatable {
    /// Seconds the hold lives (HOLD only).
    public var ttlSeconds: Int?
    public var category: String?
    public var flag: String?
    public var channel: String?
    /// `orphans=avoid` (true) or `orphans=allow` (false), for BEST.
    public var avoidOrphans: Bool?
    /// `fallback=split`, for BEST.
    public var fallbackSplit = false
    /// `ref=` (SELL only).
    public var ref: String?
    public var key: ChangeKey?

    public init(
        ttlSeconds: Int? = nil, category: String? = nil, flag: String? = nil, channel: String? = nil,
        avoidOrphans: Bool? = nil, fallbackSplit: Bool = false, ref: String? = nil, key: ChangeKey? = nil
    ) {
        self.ttlSeconds = ttlSeconds
        self.category = category
        self.flag = flag
        self.channel = channel
        self.avoidOrphans = avoidOrphans
        self.fallbackSplit = fallbackSplit
        self.ref = ref
        self.key = key
    }

    var tokens: [String] {
        var tokens: [String] = []
        if let ttl = self.ttlSeconds { tokens.append("ttl=\(ttl)") }
        if let category = self.category { tokens.append("cat=\(category)") }
        if let flag = self.flag { tokens.append("flag=\(flag)") }
        if let channel = self.channel { tokens.append("channel=\(channel)") }
        if let avoid = self.avoidOrphans { tokens.append(avoid ? "orphans=avoid" : "orphans=allow") }
        if self.fallbackSplit { tokens.append("fallback=split") }
        if let ref = self.ref { tokens.append("ref=\(ref)") }
        return tokens
    }
}
