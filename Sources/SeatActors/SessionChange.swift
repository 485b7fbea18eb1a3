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
