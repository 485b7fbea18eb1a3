import DequeModule
import HeapModule

/// Rebuilding a session from a snapshot image: the stored facts (holds, keys, expired ids) in, every index
/// (seat map, customer lists and counts, expiry heap) derived from them.
extension SessionState {
    /// A stored idempotency key with the first reply of its HOLD.
    public struct StoredKey: Sendable, Equatable {
        public let key: String
        public let holdID: HoldID
        public let expiresAtMs: Int64
        public let seats: [Int32]
        public let places: [PlaceCount]
        /// The reply's form (`KeyedReply.Form`'s raw value) and when the key was used.
        public let form: UInt8
        public let usedAtMs: Int64

        public init(key: String, holdID: HoldID, expiresAtMs: Int64, seats: [Int32], places: [PlaceCount] = [],
                    form: UInt8 = 0, usedAtMs: Int64 = 0) {
            self.key = key
            self.holdID = holdID
            self.expiresAtMs = expiresAtMs
            self.seats = seats
            self.places = places
            self.form = form
            self.usedAtMs = usedAtMs
        }
    }

    /// The keys, for a snapshot, in the order they were used (the order they are forgotten in).
    public var storedKeys: [StoredKey] {
        self.keyOrder.map { key in
            let value = self.keys[key]!
            return StoredKey(key: key, holdID: value.holdID, expiresAtMs: value.expiresAtMs, seats: value.seats,
                             places: value.places, form: value.form.rawValue, usedAtMs: value.usedAtMs)
        }
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
        holds: [Hold], keys: [StoredKey], expired: [HoldID], blocked: [Int32] = [],
        reservations: [(channel: String, seats: [Int32])] = [], graceHolds: [Hold] = []
    ) throws(SeatError) {
        self.init(handle: handle, config: config, hall: hall)
        func fail(_ why: String) -> SeatError { .badRequest("session image \(config.id) is not a possible state: \(why)") }
        guard lastLSN >= handle else { throw fail("last LSN \(lastLSN) precedes its creation at \(handle)") }
        var claimed = [Bool](repeating: false, count: hall.capacity)
        var ids = Set<HoldID>()
        for hold in holds {
            guard ids.insert(hold.id).inserted else { throw fail("hold id \(hold.id) twice") }
            guard !hold.seats.isEmpty || !hold.places.isEmpty, zip(hold.seats, hold.seats.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw fail("hold \(hold.id) seats are empty or not ascending")
            }
            guard zip(hold.places, hold.places.dropFirst()).allSatisfy({ $0.area < $1.area }),
                hold.places.allSatisfy({ $0.area >= 0 && $0.area < hall.areas.count && $0.count >= 1 })
            else { throw fail("hold \(hold.id) places are not places of the hall") }
            for seat in hold.seats {
                guard seat >= 0, Int(seat) < hall.capacity, !claimed[Int(seat)] else {
                    throw fail("seat \(seat) of hold \(hold.id) is past the hall or in two holds")
                }
                claimed[Int(seat)] = true
            }
        }
        guard Set(expired).count == expired.count, ids.isDisjoint(with: expired) else {
            throw fail("an expired hold id is repeated or live")
        }
        var taken = [Int](repeating: 0, count: hall.areas.count)
        for hold in holds { for place in hold.places { taken[place.area] += place.count } }
        guard hall.areas.indices.allSatisfy({ taken[$0] <= hall.areas[$0].capacity }) else {
            throw fail("an area has more places taken than it has")
        }
        for seat in blocked + reservations.flatMap(\.seats) {
            guard seat >= 0, Int(seat) < hall.seatCount else { throw fail("set-aside seat \(seat) is past the hall") }
        }
        guard blocked.allSatisfy({ !claimed[Int($0)] }) else { throw fail("a blocked seat is in a hold") }
        self.lastLSN = lastLSN
        self.confirmsTotal = confirmsTotal
        for hold in holds.sorted(by: { $0.createdLSN < $1.createdLSN }) {
            for seat in hold.seats {
                self.seats.hold(Int(seat), by: hold.id)
                if hold.isSold { self.seats.sell(Int(seat)) }
            }
            for place in hold.places {
                if hold.isSold { self.placesSold[place.area] += place.count } else { self.placesHeld[place.area] += place.count }
            }
            self.holds[hold.id] = hold
            self.holdsByCustomer[hold.customer, default: []].insert(hold.id)
            self.seatsByCustomer[hold.customer, default: 0] += hold.itemCount
            if !hold.isSold { self.expiries.insert(Expiry(expiresAtMs: hold.expiresAtMs, holdID: hold.id)) }
        }
        guard Set(keys.map(\.key)).count == keys.count else { throw fail("a key is stored twice") }
        // Version 1 and 2 images stored keys in key order; forgetting goes by the time they were used.
        for key in keys.sorted(by: { $0.usedAtMs < $1.usedAtMs }) {
            guard let form = KeyedReply.Form(rawValue: key.form) else { throw fail("key \(key.key) has no reply form") }
            self.keys[key.key] = KeyedReply(form: form, holdID: key.holdID, expiresAtMs: key.expiresAtMs, seats: key.seats,
                                            places: key.places, usedAtMs: key.usedAtMs)
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
}
