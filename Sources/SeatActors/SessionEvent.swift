/// An event as a session retains it (its history, `SessionState.history`): what `ChangeEvent` says, with seats
/// and areas as the hall's indices. It is a function of the change's record and the state the record applies to,
/// computed in one place (`SessionState.event(of:)`) for a live change and for a replayed one alike.
public struct SessionEvent: Sendable, Equatable {
    public internal(set) var seq: LSN
    public internal(set) var atMs: Int64
    public let kind: ChangeEvent.Kind
    public let holdID: HoldID?
    public let customer: String
    public let seats: [Int32]
    public let places: [PlaceCount]
    public let ref: String?

    public init(
        seq: LSN, atMs: Int64, kind: ChangeEvent.Kind, holdID: HoldID?, customer: String, seats: [Int32],
        places: [PlaceCount], ref: String?
    ) {
        self.seq = seq
        self.atMs = atMs
        self.kind = kind
        self.holdID = holdID
        self.customer = customer
        self.seats = seats
        self.places = places
        self.ref = ref
    }

    /// True when the event lists seat index `seat`.
    public func touches(seat: Int32) -> Bool {
        var (low, high) = (0, self.seats.count)
        while low < high {
            let middle = (low + high) / 2
            if self.seats[middle] < seat { low = middle + 1 } else { high = middle }
        }
        return low < self.seats.count && self.seats[low] == seat
    }

    /// True when the event lists places of area index `area`.
    public func touches(area: Int) -> Bool { self.places.contains { $0.area == area } }
}
