/// A live hold or booking in a session.
public struct Hold: Sendable, Equatable {
    public let id: HoldID
    public let customer: String
    /// Its seats (dense indices, ascending); a partial CANCEL removes some.
    public internal(set) var seats: [Int32]
    public let createdAtMs: Int64
    /// When a held hold lapses; meaningless once sold.
    public internal(set) var expiresAtMs: Int64
    /// True once confirmed.
    public internal(set) var isSold: Bool
    /// The CONFIRM's ref, if it gave one.
    public internal(set) var ref: String?
    /// The LSN of its HOLD, which orders a customer's holds.
    public let createdLSN: LSN
    /// Its GA places by area index ascending (since 1.1); a partial CANCEL lowers them.
    public internal(set) var places: [PlaceCount]

    /// A hold from its parts (apply, snapshots).
    public init(
        id: HoldID, customer: String, seats: [Int32], createdAtMs: Int64, expiresAtMs: Int64, isSold: Bool,
        ref: String?, createdLSN: LSN, places: [PlaceCount] = []
    ) {
        self.places = places
        self.id = id
        self.customer = customer
        self.seats = seats
        self.createdAtMs = createdAtMs
        self.expiresAtMs = expiresAtMs
        self.isSold = isSold
        self.ref = ref
        self.createdLSN = createdLSN
    }

    /// Seats and places together: what the per-customer limit counts.
    public var itemCount: Int { self.seats.count + self.places.reduce(0) { $0 + $1.count } }

    /// True when the hold is held (not sold) and `now` has reached its expiry.
    @inline(__always)
    public func hasLapsed(at nowMs: Int64) -> Bool {
        !self.isSold && nowMs >= self.expiresAtMs
    }
}

/// A HOLD's reply, kept per idempotency key so a repeat returns it byte for byte.
public struct HoldReply: Sendable, Equatable {
    public let holdID: HoldID
    public let expiresAtMs: Int64
    public let seats: [SeatLabel]
    /// GA places after the seats, in hall order (since 1.1).
    public var places: [AreaPlaces] = []
}

/// A reply naming a hold and seats: CONFIRM, CANCEL.
public struct HoldSeats: Sendable, Equatable {
    public let holdID: HoldID
    public let seats: [SeatLabel]
    /// GA places after the seats, in hall order (since 1.1).
    public var places: [AreaPlaces] = []
}

/// EXTEND's reply.
public struct Extension: Sendable, Equatable {
    public let holdID: HoldID
    public let expiresAtMs: Int64
}

/// AVAIL's reply.
public struct SeatCounts: Sendable, Equatable {
    public let free: Int
    public let held: Int
    public let sold: Int
    /// Blocked seats and free reserved seats (since 1.1): shown only when `setAside`.
    public var blocked = 0
    public var reserved = 0
    /// True when the session has blocked or reserved seats: AVAIL then shows the two counts.
    public var setAside = false
}

/// One entry of LIST.
public struct CustomerHold: Sendable, Equatable {
    public let holdID: HoldID
    public let isSold: Bool
    public let seats: [SeatLabel]
    /// GA places after the seats (since 1.1).
    public var places: [AreaPlaces] = []
}

/// The first successful reply of a change made with an idempotency key, in the form of its verb (since 1.1: keys
/// on every change). A change sent again with the key gets it back byte for byte, whatever it asks.
public enum KeyedAnswer: Sendable, Equatable {
    /// HOLD, ADD: `OK <hold> <expires> <item>...` (ADD: every item of the hold).
    case hold(HoldReply)
    /// CONFIRM, CANCEL, SELL, RELEASE of items: `OK <hold> <item>...`.
    case items(HoldSeats)
    /// EXTEND: `OK <hold> <expires>`.
    case extended(Extension)
    /// RELEASE: `OK <hold>`.
    case released(HoldID)
}

/// How HOLD's BEST and ANY choose, and what else a HOLD names beside its seats (since 1.1). The defaults keep v1.
public struct HoldOptions: Sendable, Equatable {
    /// GA places (`pit:2`), with explicit seats or alone.
    public var places: [AreaPlaces] = []
    /// BEST/ANY only among seats of this category.
    public var category: String? = nil
    /// BEST/ANY only among seats with this flag.
    public var flag: String? = nil
    /// May take seats reserved for this channel.
    public var channel: String? = nil
    /// BEST avoids orphans; nil: the session's default.
    public var avoidOrphans: Bool? = nil
    /// BEST holds several blocks where no single block exists.
    public var split = false

    public init(
        places: [AreaPlaces] = [], category: String? = nil, flag: String? = nil, channel: String? = nil,
        avoidOrphans: Bool? = nil, split: Bool = false
    ) {
        self.places = places
        self.category = category
        self.flag = flag
        self.channel = channel
        self.avoidOrphans = avoidOrphans
        self.split = split
    }
}

/// How HOLD picks seats.
public enum SeatSelection: Sendable, Equatable {
    case explicit([SeatLabel])
    case best(Int)
    case any(Int)

    /// Seats asked for.
    public var count: Int {
        switch self {
        case .explicit(let seats): seats.count
        case .best(let count), .any(let count): count
        }
    }
}
