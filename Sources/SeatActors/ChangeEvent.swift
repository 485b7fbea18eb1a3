/// A change as other services see it: `EVENT <seq> <type> <session> <hold> <customer> <seat>...`.
public struct ChangeEvent: Sendable, Equatable {
    /// The kinds of change.
    public enum Kind: String, Sendable {
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
    /// The log generation the change was appended to (set by `EventHub.publish`): after a log failure the log
    /// resumes at its durable end, so an LSN alone may name a lost change of the failed generation.
    public var epoch = 0
}
