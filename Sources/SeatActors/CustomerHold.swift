/// One entry of LIST.
public struct CustomerHold: Sendable, Equatable {
    public let holdID: HoldID
    public let isSold: Bool
    public let seats: [SeatLabel]
    /// GA places after the seats (since 1.1).
    public var places: [AreaPlaces] = []
}
