/// A log sequence number: every change gets the next one, and events carry it as their `seq`.
public typealias LSN = UInt64

/// A session's identity in the log: the LSN of the record that created it. Unique for the life of the data
/// directory, so a record of a dropped session can never apply to a new session of the same id.
public typealias SessionHandle = UInt64

/// A session's settings, as CREATE SESSION gives them.
public struct SessionConfig: Sendable, Equatable {
    /// The session's id.
    public let id: String
    /// The hall it is a showing of.
    public let hallID: String
    /// Hold lifetime when HOLD names none.
    public let ttlSeconds: Int
    /// The most a hold may live from its creation, EXTENDs included.
    public let maxTTLSeconds: Int
    /// The most seats (and GA places) one customer may hold and own together; nil for no limit.
    public let customerSeatsMax: Int?
    /// BEST avoids leaving orphan seats unless a HOLD says otherwise (`orphans=avoid`, since 1.1).
    public let avoidsOrphans: Bool
    /// A CONFIRM of a hold that lapsed at most this long ago may still win its items back (`grace=`, since 1.1).
    public let graceSeconds: Int
    /// How long an idempotency key is remembered (`keyttl=`, since 1.1).
    public let keyTTLSeconds: Int

    /// Default key lifetime: a day.
    public static let keyTTLSecondsDefault = 86_400

    /// Default hold lifetime: 15 minutes.
    public static let ttlSecondsDefault = 900
    /// Default maximum hold lifetime: 2 hours.
    public static let maxTTLSecondsDefault = 7_200

    /// Validates the settings; throws `.badRequest` for out-of-range values.
    public init(
        id: String, hallID: String, ttlSeconds: Int = ttlSecondsDefault, maxTTLSeconds: Int = maxTTLSecondsDefault,
        customerSeatsMax: Int? = nil, avoidsOrphans: Bool = false, graceSeconds: Int = 0,
        keyTTLSeconds: Int = keyTTLSecondsDefault
    ) throws(SeatError) {
        guard (1...Limits.ttlSecondsMax).contains(ttlSeconds) else {
            throw .badRequest("ttl must be 1 to \(Limits.ttlSecondsMax) seconds")
        }
        guard (ttlSeconds...Limits.ttlSecondsMax).contains(maxTTLSeconds) else {
            throw .badRequest("maxttl must be at least ttl and at most \(Limits.ttlSecondsMax) seconds")
        }
        if let limit = customerSeatsMax, limit < 1 { throw .badRequest("limit must be at least 1") }
        guard (0...Limits.ttlSecondsMax).contains(graceSeconds) else {
            throw .badRequest("grace must be 0 to \(Limits.ttlSecondsMax) seconds")
        }
        guard (1...Limits.keyTTLSecondsMax).contains(keyTTLSeconds) else {
            throw .badRequest("keyttl must be 1 to \(Limits.keyTTLSecondsMax) seconds")
        }
        self.id = id
        self.hallID = hallID
        self.ttlSeconds = ttlSeconds
        self.maxTTLSeconds = maxTTLSeconds
        self.customerSeatsMax = customerSeatsMax
        self.avoidsOrphans = avoidsOrphans
        self.graceSeconds = graceSeconds
        self.keyTTLSeconds = keyTTLSeconds
    }

    /// True when the settings need the 1.1 form of the record.
    public var hasOptions: Bool {
        self.avoidsOrphans || self.graceSeconds != 0 || self.keyTTLSeconds != Self.keyTTLSecondsDefault
    }
}

/// What a HOLD decided, as logged: enough to redo it without a clock or a random source.
public struct HeldRecord: Sendable, Equatable {
    public let holdID: HoldID
    public let customer: String
    /// Dense seat indices, ascending (hall order); empty when the hold has only GA places.
    public let seats: [Int32]
    public let createdAtMs: Int64
    public let expiresAtMs: Int64
    /// The idempotency key, if the request had one.
    public let key: String?
    /// GA places, by area index ascending (since 1.1).
    public let places: [PlaceCount]

    public init(holdID: HoldID, customer: String, seats: [Int32], createdAtMs: Int64, expiresAtMs: Int64,
                key: String?, places: [PlaceCount] = []) {
        self.holdID = holdID
        self.customer = customer
        self.seats = seats
        self.createdAtMs = createdAtMs
        self.expiresAtMs = expiresAtMs
        self.key = key
        self.places = places
    }
}

/// One change to one session: the outcome of a decision, never the request that led to it.
public enum SessionChange: Sendable, Equatable {
    case held(HeldRecord)
    case extended(HoldID, expiresAtMs: Int64)
    case confirmed(HoldID, ref: String?)
    case released(HoldID)
    case expired(HoldID)
    /// Seats (dense indices, ascending) and GA places of a booking returned.
    case cancelled(HoldID, seats: [Int32], places: [PlaceCount] = [])
    /// Free seats made unsellable, ascending (since 1.1; so are the next three).
    case blocked(seats: [Int32])
    /// Blocked seats made sellable again.
    case unblocked(seats: [Int32])
    /// Free seats set aside for a channel.
    case reserved(channel: String, seats: [Int32])
    /// Reserved seats returned to everyone.
    case unreserved(seats: [Int32])
    /// ADD: seats and places joined a live held hold (since 1.1; so are the rest).
    case added(HoldID, seats: [Int32], places: [PlaceCount])
    /// RELEASE of some items of a held hold; a hold left with none is forgotten.
    case releasedItems(HoldID, seats: [Int32], places: [PlaceCount])
    /// SELL: a hold confirmed in the same change (its expiry is the sale's time).
    case sold(HeldRecord, ref: String?)
    /// A CONFIRM within the session's grace of a hold that lapsed: its items, still free, are its owner's again,
    /// sold. The record holds the hold as it was.
    case lateConfirmed(HeldRecord, ref: String?)
    /// A change made with an idempotency key at `atMs`: the key answers the change's reply until it is forgotten.
    indirect case keyed(key: String, atMs: Int64, SessionChange)
    /// The `count` oldest keys are forgotten (their lifetime ended, or the session holds too many).
    case keysForgotten(count: Int)
}

/// Every change seatd logs.
public enum LogRecord: Sendable, Equatable {
    /// A hall: its rows and (since 1.1) its other parts.
    case hallCreated(id: String, rows: [RowSpec], parts: [HallPart] = [])
    /// The session's handle is this record's LSN.
    case sessionCreated(SessionConfig)
    case sessionDropped(SessionHandle)
    case change(SessionHandle, SessionChange)
}

extension SessionChange {
    /// The seats a BLOCK, UNBLOCK, RESERVE or UNRESERVE names (empty for the others).
    public var seatIndices: [Int32] {
        switch self {
        case .blocked(let seats), .unblocked(let seats), .reserved(_, let seats), .unreserved(let seats): seats
        case .keyed(_, _, let change): change.seatIndices
        case .held, .extended, .confirmed, .released, .expired, .cancelled, .added, .releasedItems, .sold,
            .lateConfirmed, .keysForgotten:
            []
        }
    }
}
