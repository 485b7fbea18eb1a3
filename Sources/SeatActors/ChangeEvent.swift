/// A change as other services see it: `EVENT <seq> <type> <session> <hold> <customer> <seat>...`.
public struct ChangeEvent: Sendable, Equatable {
    /// The kinds of change.
    public enum Kind: String, Sendable, CaseIterable {
        case held, extended, released, expired, confirmed, cancelled
        /// Items joined a hold (ADD, since 1.1); the event lists the items added.
        case added
        /// Seats set aside or returned by an admin (since 1.1): no hold; the customer field is the channel or `-`.
        case blocked, unblocked, reserved, unreserved
    }

    /// The change's LSN.
    public let seq: LSN
    public let kind: Kind
    public let session: String
    /// The hold; nil for the admin kinds (shown as `-`).
    public let holdID: HoldID?
    /// The hold's customer; for the admin kinds the channel or `-`.
    public let customer: String
    /// The hold's seats; for `cancelled`, the seats that request cancelled. Hall order.
    public let seats: [SeatLabel]
    /// GA places after the seats, as `seats` (since 1.1).
    public var places: [AreaPlaces] = []
    /// The CONFIRM's (or SELL's) ref, for `confirmed` when it gave one.
    public var ref: String? = nil
    /// When the change was appended to the log, unix ms (0 for changes of logs written before 1.1's history).
    public var atMs: Int64 = 0
    /// The log generation the change was appended to. Durability is waited for per generation (`CommitToken`).
    public var epoch = 0

    /// The event of a retained `SessionEvent` of the session `session` of hall `hall`.
    public init(_ event: SessionEvent, session: String, hall: Hall, epoch: Int = 0) {
        self.seq = event.seq
        self.kind = event.kind
        self.session = session
        self.holdID = event.holdID
        self.customer = event.customer
        self.seats = event.seats.map { hall.label(of: Int($0)) }
        self.places = event.places.map { AreaPlaces(area: hall.areas[$0.area].name, count: $0.count) }
        self.ref = event.ref
        self.atMs = event.atMs
        self.epoch = epoch
    }
}

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

    public init(seq: LSN, atMs: Int64, kind: ChangeEvent.Kind, holdID: HoldID?, customer: String, seats: [Int32],
                places: [PlaceCount], ref: String?) {
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
