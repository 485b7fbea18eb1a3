/// A HOLD's reply, kept per idempotency key so a repeat returns it byte for byte.
public struct HoldReply: Sendable, Equatable {
    public let holdID: HoldID
    public let expiresAtMs: Int64
    public let seats: [SeatLabel]
    /// GA places after the seats, in hall order (since 1.1).
    public var places: [AreaPlaces] = []
}
