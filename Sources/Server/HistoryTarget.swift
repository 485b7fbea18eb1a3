import SeatActors

/// What HISTORY asks about (since 1.1).
public enum HistoryTarget: Sendable, Equatable {
    case hold(HoldRef)
    case seat(SeatLabel)
    case area(String)
}
