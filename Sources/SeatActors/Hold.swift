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

    /// A hold from its parts (apply, snapshots).
    public init(
        id: HoldID, customer: String, seats: [Int32], createdAtMs: Int64, expiresAtMs: Int64, isSold: Bool,
        ref: String?, createdLSN: LSN
    ) {
        self.id = id
        self.customer = customer
        self.seats = seats
        self.createdAtMs = createdAtMs
        self.expiresAtMs = expiresAtMs
        self.isSold = isSold
        self.ref = ref
        self.createdLSN = createdLSN
    }

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
}

/// A reply naming a hold and seats: CONFIRM, CANCEL.
public struct HoldSeats: Sendable, Equatable {
    public let holdID: HoldID
    public let seats: [SeatLabel]
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
}

/// One entry of LIST.
public struct CustomerHold: Sendable, Equatable {
    public let holdID: HoldID
    public let isSold: Bool
    public let seats: [SeatLabel]
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
