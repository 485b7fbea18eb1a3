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
