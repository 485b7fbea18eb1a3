/// A session's seats as bitmaps over the hall's dense seat indices: `occupied` (held or sold) and `sold`,
/// plus the hold that owns each occupied seat. Counts are kept so AVAIL is O(1).
public struct SeatMap: Sendable, Equatable {
    /// The state of one seat.
    public enum State: UInt8, Sendable {
        case free, held, sold
    }

    /// Seats in the map.
    public let capacity: Int
    /// Bit i set: seat i is held or sold.
    private(set) var occupied: [UInt64]
    /// Bit i set: seat i is sold.
    private(set) var sold: [UInt64]
    /// The raw hold id owning seat i, 0 when free.
    private(set) var owner: [UInt64]
    /// Seats held and not sold.
    public private(set) var heldCount = 0
    /// Seats sold.
    public private(set) var soldCount = 0

    /// An all-free map.
    public init(capacity: Int) {
        let words = (capacity + 63) / 64
        self.capacity = capacity
        self.occupied = [UInt64](repeating: 0, count: words)
        self.sold = [UInt64](repeating: 0, count: words)
        self.owner = [UInt64](repeating: 0, count: capacity)
    }

    /// Free seats.
    public var freeCount: Int { self.capacity - self.heldCount - self.soldCount }

    /// The state of seat `index`.
    @inline(__always)
    public func state(of index: Int) -> State {
        let bit = UInt64(1) << UInt64(index & 63)
        if self.occupied[index >> 6] & bit == 0 { return .free }
        return self.sold[index >> 6] & bit == 0 ? .held : .sold
    }

    /// True when seat `index` is free.
    @inline(__always)
    public func isFree(_ index: Int) -> Bool {
        self.occupied[index >> 6] & (UInt64(1) << UInt64(index & 63)) == 0
    }

    /// The hold that owns seat `index`, if any.
    public func owner(of index: Int) -> HoldID? {
        let raw = self.owner[index]
        return raw == 0 ? nil : HoldID(raw: raw)
    }

    /// Free -> held by `hold`.
    mutating func hold(_ index: Int, by hold: HoldID) {
        precondition(self.isFree(index), "seat \(index) is not free")
        self.occupied[index >> 6] |= UInt64(1) << UInt64(index & 63)
        self.owner[index] = hold.raw
        self.heldCount += 1
    }

    /// Held -> sold.
    mutating func sell(_ index: Int) {
        precondition(self.state(of: index) == .held, "seat \(index) is not held")
        self.sold[index >> 6] |= UInt64(1) << UInt64(index & 63)
        self.heldCount -= 1
        self.soldCount += 1
    }

    /// Held or sold -> free.
    mutating func free(_ index: Int) {
        let mask = ~(UInt64(1) << UInt64(index & 63))
        switch self.state(of: index) {
        case .free: preconditionFailure("seat \(index) is already free")
        case .held: self.heldCount -= 1
        case .sold: self.soldCount -= 1
        }
        self.occupied[index >> 6] &= mask
        self.sold[index >> 6] &= mask
        self.owner[index] = 0
    }
}
