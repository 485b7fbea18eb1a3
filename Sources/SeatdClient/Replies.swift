/// Counts of AVAIL: `blocked` and `reserved` are nil when the server left them out (no blocked or reserved seat).
public struct Availability: Sendable, Equatable {
    public var free: Int
    public var held: Int
    public var sold: Int
    public var blocked: Int?
    public var reserved: Int?

    public init(free: Int, held: Int, sold: Int, blocked: Int? = nil, reserved: Int? = nil) {
        self.free = free
        self.held = held
        self.sold = sold
        self.blocked = blocked
        self.reserved = reserved
    }
}

/// What AVAIL counts: the whole session, a category, a flag or an area.
public enum AvailPart: Sendable, Equatable {
    case category(String)
    case flag(String)
    case area(String)

    var token: String {
        switch self {
        case .category(let name): "cat=\(name)"
        case .flag(let name): "flag=\(name)"
        case .area(let name): name
        }
    }
}

/// The state of one seat in MAP.
public enum SeatState: Character, Sendable, Equatable {
    case free = "."
    case held = "h"
    case sold = "x"
    case blocked = "b"
    case reserved = "r"
}

/// MAP: each row's seats in hall order (aisles not shown), then each area's free places.
public struct SeatMap: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var label: String
        public var seats: [SeatState]

        public init(label: String, seats: [SeatState]) {
            self.label = label
            self.seats = seats
        }
    }
    public struct Area: Sendable, Equatable {
        public var name: String
        public var free: Int
        public var capacity: Int

        public init(name: String, free: Int, capacity: Int) {
            self.name = name
            self.free = free
            self.capacity = capacity
        }
    }
    public var rows: [Row]
    public var areas: [Area]
}

/// One of LIST's holds and bookings of a customer.
public struct Listing: Sendable, Equatable {
    public enum State: String, Sendable { case held, sold }
    public var hold: String
    public var state: State
    public var items: [Item]

    public init(hold: String, state: State, items: [Item]) {
        self.hold = hold
        self.state = state
        self.items = items
    }
}

/// An event: a change of a session, as WATCH streams it and HISTORY lists it. `hold` is nil for the admin kinds
/// (blocked, unblocked, reserved, unreserved), whose `customer` is the channel (or nil).
public struct Event: Sendable, Equatable {
    public var seq: UInt64
    /// held, added, extended, released, expired, confirmed, cancelled, blocked, unblocked, reserved, unreserved.
    public var type: String
    public var session: String
    public var hold: String?
    public var customer: String?
    public var items: [Item]

    public init(seq: UInt64, type: String, session: String, hold: String? = nil, customer: String? = nil, items: [Item])
    {
        self.seq = seq
        self.type = type
        self.session = session
        self.hold = hold
        self.customer = customer
        self.items = items
    }
}

/// One line of `HISTORY <session> <hold>`: what happened to the hold.
public struct HoldHistoryEntry: Sendable, Equatable {
    public var seq: UInt64
    public var type: String
    public var items: [Item]
}

/// One line of `HISTORY <session> seat=<seat>`: who touched the seat or area; `hold` nil for the admin kinds.
public struct SeatHistoryEntry: Sendable, Equatable {
    public var seq: UInt64
    public var type: String
    public var hold: String?
    public var customer: String?
}

/// STATS: every `key=value` in the order sent, with the common ones typed.
public struct Stats: Sendable, Equatable {
    public var fields: [(key: String, value: String)]
    public subscript(key: String) -> String? { self.fields.first { $0.key == key }?.value }
    public var lastLSN: UInt64 { self["last_lsn"].flatMap { UInt64($0) } ?? 0 }
    public var durableLSN: UInt64 { self["durable_lsn"].flatMap { UInt64($0) } ?? 0 }

    public static func == (lhs: Stats, rhs: Stats) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.key == $1.key && $0.value == $1.value }
    }
}

/// CLUSTER INFO's fields, as sent (`node`, `shard`, `role`, `epoch`, `replication`, `lsn`, `standby_lsn`).
public typealias ClusterInfo = Stats

/// One item of CLUSTER SLOTS: a range of slots, its shard, and its primary's address (nil while none is known).
public struct SlotRange: Sendable, Equatable {
    public var slots: ClosedRange<Int>
    public var shard: String
    public var address: String?
}

/// Options of CREATE SESSION; each nil is the server's default.
public struct SessionOptions: Sendable, Equatable {
    public var ttlSeconds: Int?
    public var maxTTLSeconds: Int?
    public var limit: Int?
    public var avoidOrphans = false
    public var graceSeconds: Int?
    public var keyTTLSeconds: Int?

    public init(
        ttlSeconds: Int? = nil, maxTTLSeconds: Int? = nil, limit: Int? = nil, avoidOrphans: Bool = false,
        graceSeconds: Int? = nil, keyTTLSeconds: Int? = nil
    ) {
        self.ttlSeconds = ttlSeconds
        self.maxTTLSeconds = maxTTLSeconds
        self.limit = limit
        self.avoidOrphans = avoidOrphans
        self.graceSeconds = graceSeconds
        self.keyTTLSeconds = keyTTLSeconds
    }

    var tokens: [String] {
        var tokens: [String] = []
        if let value = self.ttlSeconds { tokens.append("ttl=\(value)") }
        if let value = self.maxTTLSeconds { tokens.append("maxttl=\(value)") }
        if let value = self.limit { tokens.append("limit=\(value)") }
        if self.avoidOrphans { tokens.append("orphans=avoid") }
        if let value = self.graceSeconds { tokens.append("grace=\(value)") }
        if let value = self.keyTTLSeconds { tokens.append("keyttl=\(value)") }
        return tokens
    }
}
