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
