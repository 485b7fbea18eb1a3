/// A session's seats as bitmaps over the hall's dense seat indices: `occupied` (held or sold) and `sold`,
/// plus the hold that owns each occupied seat. Counts are kept so AVAIL is O(1).
///
/// Since 1.1 a free seat may also be `blocked` (nobody may take it) or reserved for a channel (only a HOLD with
/// that `channel=` may take it). A reservation outlives a hold of the seat: when the channel's hold ends, the seat
/// is the channel's again. A blocked seat that is also reserved is blocked until UNBLOCK.
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
    /// Bit i set: seat i is blocked (it is then never occupied).
    private(set) var blocked: [UInt64]
    /// Bit i set: seat i is reserved for some channel.
    private(set) var reserved: [UInt64]
    /// The reserved seats of each channel.
    private(set) var channels: [String: [UInt64]] = [:]
    /// Seats blocked.
    public private(set) var blockedCount = 0

    /// An all-free map.
    public init(capacity: Int) {
        let words = (capacity + 63) / 64
        self.capacity = capacity
        self.occupied = [UInt64](repeating: 0, count: words)
        self.sold = [UInt64](repeating: 0, count: words)
        self.owner = [UInt64](repeating: 0, count: capacity)
        self.blocked = [UInt64](repeating: 0, count: words)
        self.reserved = [UInt64](repeating: 0, count: words)
    }

    /// Seats neither held nor sold (blocked and reserved ones among them).
    public var freeCount: Int { self.capacity - self.heldCount - self.soldCount }

    /// True once any seat was blocked or reserved: the 1.1 reply forms (MAP, AVAIL) appear only then.
    public var hasSetAside: Bool { self.blockedCount > 0 || !self.channels.isEmpty }

    /// Free seats reserved for a channel and not blocked.
    public var reservedFreeCount: Int {
        var count = 0
        for word in self.reserved.indices {
            count += (self.reserved[word] & ~self.occupied[word] & ~self.blocked[word]).nonzeroBitCount
        }
        return count
    }

    /// Free seats anyone may take: neither blocked nor reserved.
    public var openFreeCount: Int { self.freeCount - self.blockedCount - self.reservedFreeCount }

    /// True when seat `index` is blocked.
    @inline(__always)
    public func isBlocked(_ index: Int) -> Bool {
        self.blocked[index >> 6] & (UInt64(1) << UInt64(index & 63)) != 0
    }

    /// True when seat `index` is reserved for a channel (whatever its state).
    @inline(__always)
    public func isReserved(_ index: Int) -> Bool {
        self.reserved[index >> 6] & (UInt64(1) << UInt64(index & 63)) != 0
    }

    /// A seat as MAP, AVAIL and the HTTP port show it: held and sold as they are; a free one blocked, reserved for
    /// a channel, or free to anyone.
    public enum Shown: String, Sendable {
        case free, held, sold, blocked, reserved
    }

    /// How seat `index` is shown.
    @inline(__always)
    public func shown(_ index: Int) -> Shown {
        switch self.state(of: index) {
        case .held: .held
        case .sold: .sold
        case .free: self.isBlocked(index) ? .blocked : self.isReserved(index) ? .reserved : .free
        }
    }

    /// The channel seat `index` is reserved for, if any.
    public func channel(of index: Int) -> String? {
        guard self.isReserved(index) else { return nil }
        let bit = UInt64(1) << UInt64(index & 63)
        return self.channels.first { $0.value[index >> 6] & bit != 0 }?.key
    }

    /// Free -> blocked (a blocked seat stays blocked).
    mutating func block(_ index: Int) {
        precondition(self.isFree(index), "seat \(index) is not free")
        guard !self.isBlocked(index) else { return }
        self.blocked[index >> 6] |= UInt64(1) << UInt64(index & 63)
        self.blockedCount += 1
    }

    /// Blocked -> free (or reserved again, if it was).
    mutating func unblock(_ index: Int) {
        guard self.isBlocked(index) else { return }
        self.blocked[index >> 6] &= ~(UInt64(1) << UInt64(index & 63))
        self.blockedCount -= 1
    }

    /// Reserves seat `index` for `channel` (moving it from another channel's reservation).
    mutating func reserve(_ index: Int, for channel: String) {
        self.unreserve(index)
        let bit = UInt64(1) << UInt64(index & 63)
        self.reserved[index >> 6] |= bit
        self.channels[channel, default: [UInt64](repeating: 0, count: self.reserved.count)][index >> 6] |= bit
    }

    /// Ends seat `index`'s reservation, if it has one.
    mutating func unreserve(_ index: Int) {
        guard let channel = self.channel(of: index) else { return }
        let bit = UInt64(1) << UInt64(index & 63)
        self.reserved[index >> 6] &= ~bit
        self.channels[channel]![index >> 6] &= ~bit
        if self.channels[channel]!.allSatisfy({ $0 == 0 }) { self.channels[channel] = nil }
    }

    /// The reserved seats of each channel, ascending, channels by name (snapshots).
    public var reservations: [(channel: String, seats: [Int32])] {
        self.channels.keys.sorted().map { channel in
            let mask = self.channels[channel]!
            return (channel, (0..<self.capacity).filter { mask[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }.map(Int32.init))
        }
    }

    /// The blocked seats, ascending (snapshots).
    public var blockedSeats: [Int32] {
        (0..<self.capacity).filter(self.isBlocked).map(Int32.init)
    }

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
        precondition(self.isFree(index) && !self.isBlocked(index), "seat \(index) is not free")
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
