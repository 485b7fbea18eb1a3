/// AVAIL's reply.
public struct SeatCounts: Sendable, Equatable {
    public let free: Int
    public let held: Int
    public let sold: Int
    /// Blocked seats and free reserved seats (since 1.1): shown only when `setAside`.
    public var blocked = 0
    public var reserved = 0
    /// True when the session has blocked or reserved seats: AVAIL then shows the two counts.
    public var setAside = false
}
