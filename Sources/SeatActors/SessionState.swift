import DequeModule
import HeapModule

/// The rules of one session as a pure value: no async, no I/O, no clock reads (time is passed in).
/// Every change is decided (`SessionState+Decide.swift`), turned into a `SessionChange`, and applied through
/// `apply(_:lsn:)`, the only mutation path. Recovery replays the log through the same function.
public struct SessionState: Sendable {
    /// A pending expiry in the heap. Entries go stale when a hold is extended, confirmed or released; stale
    /// entries are skipped when they reach the top.
    struct Expiry: Comparable, Sendable {
        let expiresAtMs: Int64
        let holdID: HoldID
        static func < (lhs: Expiry, rhs: Expiry) -> Bool {
            (lhs.expiresAtMs, lhs.holdID.raw) < (rhs.expiresAtMs, rhs.holdID.raw)
        }
    }

    /// The session's identity in the log.
    public let handle: SessionHandle
    /// Its settings.
    public let config: SessionConfig
    /// Its hall.
    public let hall: Hall
    /// Seat states.
    public internal(set) var seats: SeatMap
    /// Live holds and bookings.
    public internal(set) var holds: [HoldID: Hold] = [:]
    /// Each customer's live holds and bookings. A set, so that forgetting one costs the same however many a
    /// customer has (a box office may hold thousands); LIST orders them by creation.
    var holdsByCustomer: [String: Set<HoldID>] = [:]
    /// Seats and places each customer holds or owns, for the per-customer limit.
    var seatsByCustomer: [String: Int] = [:]
    /// Places held (not sold) and sold in each GA area, by area index.
    public internal(set) var placesHeld: [Int]
    public internal(set) var placesSold: [Int]
    /// First reply of each idempotency key.
    var keys: [String: KeyedReply] = [:]
    /// The keys in the order they were used, oldest first: the order they are forgotten in.
    var keyOrder: Deque<String> = []
    /// Holds that lapsed, kept while the session has a grace (`grace=`) so their owner may still confirm them.
    var graceHolds: [HoldID: Hold] = [:]
    /// Ids of holds that lapsed (the newest `Limits.expiredHoldsRememberedMax`), so they answer EXPIRED.
    var expiredIDs: Set<HoldID> = []
    var expiredOrder: Deque<HoldID> = []
    /// Pending expiries, soonest first.
    var expiries = Heap<Expiry>()
    /// The session's retained events, oldest first (since 1.1): at most `eventsRetained`.
    public internal(set) var history = EventHistory()
    /// The seq of the newest event trimmed from the history; 0 while none was.
    public internal(set) var trimmedThrough: LSN = 0
    /// Events trimmed from the history over the session's life.
    public internal(set) var eventsTrimmed = 0
    /// How many events the history keeps (`events.retain_per_session`; not part of the state's image).
    public internal(set) var eventsRetained = Limits.eventsRetainedDefault
    /// The LSN of the last change applied.
    public internal(set) var lastLSN: LSN
    /// CONFIRMs applied over the session's life.
    public internal(set) var confirmsTotal = 0

    /// Run `checkInvariants()` after every apply: on in debug builds (and so in tests), off in release.
    nonisolated(unsafe) public static var checksInvariants = _isDebugAssertConfiguration()
    /// The check is O(capacity + holds), so after every apply it would make a large session's changes quadratic
    /// in tests: past this many seats and holds together it runs only when called.
    public static let invariantsSizeMax = 16_384

    /// True when `apply` should check the invariants of this state.
    var checksInvariantsNow: Bool {
        Self.checksInvariants && self.seats.capacity + self.holds.count <= Self.invariantsSizeMax
    }

    /// A new, empty session created by the record at `handle`.
    public init(handle: SessionHandle, config: SessionConfig, hall: Hall) {
        self.handle = handle
        self.config = config
        self.hall = hall
        self.seats = SeatMap(capacity: hall.seatCount)
        self.placesHeld = Array(repeating: 0, count: hall.areas.count)
        self.placesSold = Array(repeating: 0, count: hall.areas.count)
        self.lastLSN = handle
    }

    /// The session's id.
    public var id: String { self.config.id }

    /// Free places of each GA area.
    public func placesFree(_ area: Int) -> Int {
        self.hall.areas[area].capacity - self.placesHeld[area] - self.placesSold[area]
    }

    /// Places as clients name them, in hall order.
    public func labels(_ places: [PlaceCount]) -> [AreaPlaces] {
        places.map { AreaPlaces(area: self.hall.areas[$0.area].name, count: $0.count) }
    }

    /// The expiry of the hold that lapses first, if any is pending (possibly a stale entry: a hint for sweeps).
    public var nextExpiryMs: Int64? { self.expiries.min?.expiresAtMs }

    /// Labels of dense seat indices, in the given order.
    public func labels(_ indices: [Int32]) -> [SeatLabel] {
        indices.map { self.hall.label(of: Int($0)) }
    }

    /// `labels(indices)`, or the labels an explicit `selection` named when they are those, in that order (a HOLD
    /// of seats named in hall order): then no new list.
    func labels(_ indices: [Int32], reusing selection: SeatSelection) -> [SeatLabel] {
        let hall = self.hall  // captured below instead of the whole state, which a capture would copy
        if case .explicit(let named) = selection, named.count == indices.count,
            zip(named, indices).allSatisfy({ hall.label(of: Int($1)) == $0 })
        {
            return named
        }
        return self.labels(indices)
    }

    /// True when `id` lapsed and is still remembered.
    public func hasExpired(_ id: HoldID) -> Bool { self.expiredIDs.contains(id) }

    /// Idempotency keys remembered.
    public var keyCount: Int { self.keys.count }

    /// The first reply of `key`, if the key is remembered.
    public func answer(forKey key: String) -> KeyedAnswer? {
        self.keys[key].map(self.answer)
    }

    /// A key's first reply with the hall's labels, in its verb's form.
    func answer(_ first: KeyedReply) -> KeyedAnswer {
        let seats = self.labels(first.seats)
        let places = self.labels(first.places)
        switch first.form {
        case .hold:
            return .hold(HoldReply(holdID: first.holdID, expiresAtMs: first.expiresAtMs, seats: seats, places: places))
        case .items: return .items(HoldSeats(holdID: first.holdID, seats: seats, places: places))
        case .extended: return .extended(Extension(holdID: first.holdID, expiresAtMs: first.expiresAtMs))
        case .released: return .released(first.holdID)
        }
    }

    /// How many of the oldest keys have lived their `keyttl` at `nowMs` (they are forgotten in use order).
    public func keysDue(nowMs: Int64, max: Int = Int.max) -> Int {
        let ttlMs = Int64(self.config.keyTTLSeconds) * 1_000
        var count = 0
        for key in self.keyOrder {
            guard count < max, let used = self.keys[key], used.usedAtMs + ttlMs <= nowMs else { break }
            count += 1
        }
        return count
    }

    /// A held hold that has lapsed at `nowMs` and is due for an `expired` change, or nil. Pops stale heap
    /// entries on the way; the due entry itself stays until its `expired` change is applied.
    public mutating func dueExpiry(nowMs: Int64) -> HoldID? {
        while let top = self.expiries.min, top.expiresAtMs <= nowMs {
            if let hold = self.holds[top.holdID], !hold.isSold, hold.expiresAtMs == top.expiresAtMs {
                return top.holdID
            }
            _ = self.expiries.popMin()
        }
        return nil
    }
}
