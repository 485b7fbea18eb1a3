import DequeModule
import HeapModule

/// Rebuilding a session from a snapshot image: the stored facts (holds, keys, expired ids) in, every index
/// (seat map, customer lists and counts, expiry heap) derived from them.
extension SessionState {
    /// The keys' first replies, for a snapshot, in the order the keys were used (the order they are forgotten in).
    public var storedKeys: [KeyedReply] {
        self.keyOrder.map { self.keys[$0]! }
    }

    /// The lapsed holds kept for a late CONFIRM, oldest expiry first.
    public var graceHoldsInOrder: [Hold] {
        self.expiredOrder.compactMap { self.graceHolds[$0] }
    }

    /// The remembered expired hold ids, oldest first.
    public var expiredHoldIDs: [HoldID] { Array(self.expiredOrder) }

    /// Rebuilds a session image. Throws if the image does not describe a possible state (a seat in two holds, a
    /// seat past the hall, a hold id twice, an expired id that is live): a checksummed snapshot can still be wrong
    /// if the code that wrote it was, and loading must then refuse it (and fall back to an older one) rather than
    /// trap (found by `make fuzz`, snapshot-fuzz). The full invariants are checked in debug builds.
    public init(
        restoring handle: SessionHandle, config: SessionConfig, hall: Hall, lastLSN: LSN, confirmsTotal: Int,
        holds: [Hold], keys: [KeyedReply], expired: [HoldID], blocked: [Int32] = [],
        reservations: [(channel: String, seats: [Int32])] = [], graceHolds: [Hold] = []
    ) throws(SeatError) {
        self.init(handle: handle, config: config, hall: hall)
        func fail(_ why: String) -> SeatError { .damaged("session image \(config.id) is not a possible state: \(why)") }
        if let fault = Self.imageFault(
            handle: handle, hall: hall, lastLSN: lastLSN, holds: holds, expired: expired,
            setAside: (blocked, reservations.flatMap(\.seats)))
        {
            throw fail(fault)
        }
        self.lastLSN = lastLSN
        self.confirmsTotal = confirmsTotal
        for hold in holds.sorted(by: { $0.createdLSN < $1.createdLSN }) {
            for seat in hold.seats {
                self.seats.hold(Int(seat), by: hold.id)
                if hold.isSold { self.seats.sell(Int(seat)) }
            }
            for place in hold.places {
                if hold.isSold {
                    self.placesSold[place.area] += place.count
                } else {
                    self.placesHeld[place.area] += place.count
                }
            }
            self.holds[hold.id] = hold
            self.holdsByCustomer[hold.customer, default: []].insert(hold.id)
            self.seatsByCustomer[hold.customer, default: 0] += hold.itemCount
            if !hold.isSold { self.expiries.insert(Expiry(expiresAtMs: hold.expiresAtMs, holdID: hold.id)) }
        }
        guard Set(keys.map(\.key)).count == keys.count else { throw fail("a key is stored twice") }
        // Version 1 and 2 images stored keys in key order; forgetting goes by the time they were used.
        for key in keys.sorted(by: { $0.usedAtMs < $1.usedAtMs }) {
            self.keys[key.key] = key
            self.keyOrder.append(key.key)
        }
        let remembered = Set(expired)
        for hold in graceHolds where remembered.contains(hold.id) { self.graceHolds[hold.id] = hold }
        for seat in blocked { self.seats.block(Int(seat)) }
        for reservation in reservations {
            for seat in reservation.seats { self.seats.reserve(Int(seat), for: reservation.channel) }
        }
        self.expiredOrder = Deque(expired)
        self.expiredIDs = Set(expired)
        if self.checksInvariantsNow { self.checkInvariants() }
    }

    /// Why an image's facts do not describe a possible state, or nil: its last LSN precedes its creation, a hold
    /// id twice, a hold's items malformed (`Hall.itemsFault`), a seat in two holds, an expired id repeated or live,
    /// an area with more places taken than it has, a set-aside seat past the hall, a blocked seat in a hold.
    private static func imageFault(
        handle: SessionHandle, hall: Hall, lastLSN: LSN, holds: [Hold], expired: [HoldID],
        setAside: (blocked: [Int32], reserved: [Int32])
    ) -> String? {
        guard lastLSN >= handle else { return "last LSN \(lastLSN) precedes its creation at \(handle)" }
        var claimed = [Bool](repeating: false, count: hall.seatCount)
        var ids = Set<HoldID>()
        var taken = [Int](repeating: 0, count: hall.areas.count)
        for hold in holds {
            guard ids.insert(hold.id).inserted else { return "hold id \(hold.id) twice" }
            if let fault = hall.itemsFault(seats: hold.seats, places: hold.places) {
                return "hold \(hold.id): \(fault)"
            }
            for seat in hold.seats {
                guard !claimed[Int(seat)] else { return "seat \(seat) is in two holds" }
                claimed[Int(seat)] = true
            }
            for place in hold.places { taken[place.area] += place.count }
        }
        guard Set(expired).count == expired.count, ids.isDisjoint(with: expired) else {
            return "an expired hold id is repeated or live"
        }
        guard hall.areas.indices.allSatisfy({ taken[$0] <= hall.areas[$0].capacity }) else {
            return "an area has more places taken than it has"
        }
        for seat in setAside.blocked + setAside.reserved where seat < 0 || Int(seat) >= hall.seatCount {
            return "set-aside seat \(seat) is past the hall"
        }
        guard setAside.blocked.allSatisfy({ !claimed[Int($0)] }) else { return "a blocked seat is in a hold" }
        return nil
    }
}
