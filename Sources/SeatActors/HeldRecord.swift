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

    public init(
        holdID: HoldID, customer: String, seats: [Int32], createdAtMs: Int64, expiresAtMs: Int64,
        key: String?, places: [PlaceCount] = []
    ) {
        self.holdID = holdID
        self.customer = customer
        self.seats = seats
        self.createdAtMs = createdAtMs
        self.expiresAtMs = expiresAtMs
        self.key = key
        self.places = places
    }
}
