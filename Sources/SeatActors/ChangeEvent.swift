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
