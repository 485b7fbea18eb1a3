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

        public init(key: String, holdID: HoldID, expiresAtMs: Int64, seats: [Int32]) {
            self.key = key
            self.holdID = holdID
            self.expiresAtMs = expiresAtMs
            self.seats = seats
        }
    }

    /// The keys, for a snapshot, in key order.
    public var storedKeys: [StoredKey] {
        self.keys.sorted { $0.key < $1.key }.map {
            StoredKey(key: $0.key, holdID: $0.value.holdID, expiresAtMs: $0.value.expiresAtMs, seats: $0.value.seats)
        }
    }

    /// The remembered expired hold ids, oldest first.
    public var expiredHoldIDs: [HoldID] { Array(self.expiredOrder) }

    /// Rebuilds a session image. The caller vouches for consistency (the snapshot's checksum); the invariants are
    /// checked in debug builds.
    public init(
        restoring handle: SessionHandle, config: SessionConfig, hall: Hall, lastLSN: LSN, confirmsTotal: Int,
        holds: [Hold], keys: [StoredKey], expired: [HoldID]
    ) {
        self.init(handle: handle, config: config, hall: hall)
        self.lastLSN = lastLSN
        self.confirmsTotal = confirmsTotal
        for hold in holds.sorted(by: { $0.createdLSN < $1.createdLSN }) {
            for seat in hold.seats {
                self.seats.hold(Int(seat), by: hold.id)
                if hold.isSold { self.seats.sell(Int(seat)) }
            }
            self.holds[hold.id] = hold
            self.holdsByCustomer[hold.customer, default: []].append(hold.id)
            self.seatsByCustomer[hold.customer, default: 0] += hold.seats.count
            if !hold.isSold { self.expiries.insert(Expiry(expiresAtMs: hold.expiresAtMs, holdID: hold.id)) }
        }
        for key in keys {
            self.keys[key.key] = KeyedReply(holdID: key.holdID, expiresAtMs: key.expiresAtMs, seats: key.seats)
        }
        self.expiredOrder = Deque(expired)
        self.expiredIDs = Set(expired)
        if Self.checksInvariants { self.checkInvariants() }
    }
}
