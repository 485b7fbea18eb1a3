/// A reply naming a hold and seats: CONFIRM, CANCEL.
public struct HoldSeats: Sendable, Equatable {
    public let holdID: HoldID
    public let seats: [SeatLabel]
    /// GA places after the seats, in hall order (since 1.1).
    public var places: [AreaPlaces] = []
}
