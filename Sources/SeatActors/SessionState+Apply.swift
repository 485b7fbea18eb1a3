import HeapModule

/// The only mutation path of a session. Live requests and recovery both come through here.
extension SessionState {
    /// Applies a change that was decided (live) or read back from the log (recovery), appended to the log at
    /// `atMs`, and retains its event.
    public mutating func apply(_ change: SessionChange, lsn: LSN, atMs: Int64 = 0) {
        self.apply(change, lsn: lsn, atMs: atMs, event: self.event(of: change))
    }

    /// `apply(_:lsn:atMs:)` with the change's event already computed from this state (`event(of:)`): a live
    /// change computes it once, before the log publishes it.
    mutating func apply(_ change: SessionChange, lsn: LSN, atMs: Int64, event: SessionEvent?) {
        precondition(lsn > self.lastLSN, "LSN \(lsn) does not follow \(self.lastLSN) in session \(self.id)")
        if var event {
            (event.seq, event.atMs) = (lsn, atMs)
            self.retain(event)
        }
        self.applyChange(change, lsn: lsn)
        self.lastLSN = lsn
        if self.checksInvariantsNow { self.checkInvariants() }
    }

    private mutating func applyChange(_ change: SessionChange, lsn: LSN) {
        switch change {
        case .held(let record):
            self.applyHeld(record, lsn: lsn)
        case .extended(let id, let expiresAtMs):
            precondition(self.holds[id]?.isSold == false, "extend of \(id), which is not held")
            self.holds[id]!.expiresAtMs = expiresAtMs
            self.scheduleExpiry(Expiry(expiresAtMs: expiresAtMs, holdID: id))
        case .confirmed(let id, let ref):
            precondition(self.holds[id]?.isSold == false, "confirm of \(id), which is not held")
            self.sell(id, ref: ref)
        case .released(let id):
            precondition(self.holds[id]?.isSold == false, "release of \(id), which is not held")
            self.forget(id)
        case .expired(let id):
            precondition(self.holds[id]?.isSold == false, "expiry of \(id), which is not held")
            if self.config.graceSeconds > 0 { self.graceHolds[id] = self.holds[id] }
            self.forget(id)
            self.remember(expired: id)
        case .cancelled(let id, let seats, let places):
            self.applyCancelled(id, seats: seats, places: places)
        case .blocked(let seats):
            for seat in seats { self.seats.block(Int(seat)) }
        case .unblocked(let seats):
            for seat in seats { self.seats.unblock(Int(seat)) }
        case .reserved(let channel, let seats):
            for seat in seats { self.seats.reserve(Int(seat), for: channel) }
        case .unreserved(let seats):
            for seat in seats { self.seats.unreserve(Int(seat)) }
        case .added(let id, let seats, let places):
            self.applyAdded(id, seats: seats, places: places)
        case .releasedItems(let id, let seats, let places):
            self.applyReleasedItems(id, seats: seats, places: places)
        case .sold(let record, let ref):
            self.applyHeld(record, lsn: lsn)
            self.sell(record.holdID, ref: ref)
        case .lateConfirmed(let record, let ref):
            self.expiredIDs.remove(record.holdID)
            self.expiredOrder.removeAll { $0 == record.holdID }
            self.graceHolds[record.holdID] = nil
            self.applyHeld(record, lsn: lsn)
            self.sell(record.holdID, ref: ref)
        case .keyed(let key, let atMs, let inner):
            precondition(self.keys[key] == nil, "idempotency key \(key) used twice")
            self.applyChange(inner, lsn: lsn)
            self.keys[key] = self.keyedReply(of: inner, atMs: atMs)
            self.keyOrder.append(key)
        case .keysForgotten(let count):
            precondition(count <= self.keyOrder.count, "forgetting \(count) of \(self.keyOrder.count) keys")
            for _ in 0..<count { self.keys[self.keyOrder.removeFirst()] = nil }
        }
    }

    /// What a key keeps of the change it was used with (read after the change applied).
    private func keyedReply(of change: SessionChange, atMs: Int64) -> KeyedReply {
        func items(_ id: HoldID, _ seats: [Int32], _ places: [PlaceCount]) -> KeyedReply {
            KeyedReply(form: .items, holdID: id, expiresAtMs: 0, seats: seats, places: places, usedAtMs: atMs)
        }
        func whole(_ form: KeyedReply.Form, _ id: HoldID) -> KeyedReply {
            let hold = self.holds[id]!
            return KeyedReply(form: form, holdID: id, expiresAtMs: form == .hold ? hold.expiresAtMs : 0, seats: hold.seats,
                              places: hold.places, usedAtMs: atMs)
        }
        switch change {
        case .held(let record): return whole(.hold, record.holdID)
        case .added(let id, _, _): return whole(.hold, id)
        case .confirmed(let id, _): return whole(.items, id)
        case .sold(let record, _), .lateConfirmed(let record, _): return whole(.items, record.holdID)
        case .extended(let id, let expiresAtMs):
            return KeyedReply(form: .extended, holdID: id, expiresAtMs: expiresAtMs, seats: [], usedAtMs: atMs)
        case .released(let id), .expired(let id):
            return KeyedReply(form: .released, holdID: id, expiresAtMs: 0, seats: [], usedAtMs: atMs)
        case .releasedItems(let id, let seats, let places), .cancelled(let id, let seats, let places):
            return items(id, seats, places)
        case .blocked, .unblocked, .reserved, .unreserved, .keyed, .keysForgotten:
            preconditionFailure("\(change) takes no key")
        }
    }

    /// Held -> sold: the confirmation's part of CONFIRM, SELL and a late CONFIRM.
    private mutating func sell(_ id: HoldID, ref: String?) {
        for seat in self.holds[id]!.seats { self.seats.sell(Int(seat)) }
        for place in self.holds[id]!.places {
            self.placesHeld[place.area] -= place.count
            self.placesSold[place.area] += place.count
        }
        self.holds[id]!.isSold = true
        self.holds[id]!.ref = ref
        self.confirmsTotal += 1
    }

    private mutating func applyAdded(_ id: HoldID, seats: [Int32], places: [PlaceCount]) {
        precondition(self.holds[id]?.isSold == false, "add to \(id), which is not held")
        for seat in seats { self.seats.hold(Int(seat), by: id) }
        for place in places { self.placesHeld[place.area] += place.count }
        var hold = self.holds[id]!
        let before = hold.itemCount
        hold.seats = (hold.seats + seats).sorted()
        hold.places = Self.merge(hold.places, places, sign: 1)
        self.seatsByCustomer[hold.customer, default: 0] += hold.itemCount - before
        self.holds[id] = hold
    }

    private mutating func applyReleasedItems(_ id: HoldID, seats: [Int32], places: [PlaceCount]) {
        precondition(self.holds[id]?.isSold == false, "release of items of \(id), which is not held")
        var hold = self.holds[id]!
        let remaining = hold.seats.filter { !seats.contains($0) }
        let remainingPlaces = Self.merge(hold.places, places, sign: -1)
        precondition(remaining.count + seats.count == hold.seats.count, "release of seats not in hold \(id)")
        if remaining.isEmpty && remainingPlaces.isEmpty {
            self.forget(id)
            return
        }
        for seat in seats { self.seats.free(Int(seat)) }
        for place in places { self.placesHeld[place.area] -= place.count }
        let before = hold.itemCount
        hold.seats = remaining
        hold.places = remainingPlaces
        self.seatsByCustomer[hold.customer]! -= before - hold.itemCount
        self.holds[id] = hold
    }

    /// Place counts by area, `b` added to (sign 1) or taken from (sign -1) `a`; areas left with none drop out.
    static func merge(_ a: [PlaceCount], _ b: [PlaceCount], sign: Int) -> [PlaceCount] {
        var counts: [Int: Int] = [:]
        for place in a { counts[place.area, default: 0] += place.count }
        for place in b { counts[place.area, default: 0] += sign * place.count }
        precondition(counts.values.allSatisfy { $0 >= 0 }, "more places taken than held")
        return counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { PlaceCount(area: $0.key, count: $0.value) }
    }

    /// Throws unless `change` applies to this state: what `apply` otherwise asserts. Recovery checks every record
    /// read back from the log with it, so a checksummed record that does not fit (a bug that wrote it, or a
    /// crafted file) refuses to start, naming its LSN, instead of trapping (found by `make fuzz`, log-fuzz).
    public func validate(_ change: SessionChange, lsn: LSN) throws(SeatError) {
        func fail(_ why: String) -> SeatError { .badRequest("record at LSN \(lsn) does not apply to session \(self.id): \(why)") }
        func checkSeats(_ seats: [Int32], places: [PlaceCount] = [], orNone: Bool = false) throws(SeatError) {
            guard !seats.isEmpty || !places.isEmpty, zip(seats, seats.dropFirst()).allSatisfy({ $0 < $1 }),
                seats.allSatisfy({ $0 >= 0 && Int($0) < self.seats.capacity })
            else { throw fail("seats \(seats) are not ascending seats of the hall") }
            guard zip(places, places.dropFirst()).allSatisfy({ $0.area < $1.area }),
                places.allSatisfy({ $0.area >= 0 && $0.area < self.hall.areas.count && $0.count >= 1 })
            else { throw fail("places \(places) are not places of the hall's areas") }
        }
        guard lsn > self.lastLSN else { throw fail("it does not follow LSN \(self.lastLSN)") }
        switch change {
        case .held(let record):
            try checkSeats(record.seats, places: record.places)
            guard self.holds[record.holdID] == nil else { throw fail("hold id \(record.holdID) is in use") }
            guard record.seats.allSatisfy({ self.seats.isFree(Int($0)) && !self.seats.isBlocked(Int($0)) }) else {
                throw fail("a seat is not free")
            }
            guard record.places.allSatisfy({ self.placesFree($0.area) >= $0.count }) else {
                throw fail("an area has too few free places")
            }
            if let key = record.key, self.keys[key] != nil { throw fail("idempotency key \(key) is in use") }
        case .extended(let id, _), .confirmed(let id, _), .released(let id), .expired(let id):
            guard self.holds[id]?.isSold == false else { throw fail("hold \(id) is not held") }
        case .cancelled(let id, let seats, let places):
            try checkSeats(seats, places: places)
            guard let hold = self.holds[id], hold.isSold else { throw fail("hold \(id) is not sold") }
            guard seats.allSatisfy(hold.seats.contains) else { throw fail("a seat is not in booking \(id)") }
            guard places.allSatisfy({ place in place.count <= (hold.places.first { $0.area == place.area }?.count ?? 0) })
            else { throw fail("places are not in booking \(id)") }
        case .blocked(let seats):
            try checkSeats(seats)
            guard seats.allSatisfy({ self.seats.isFree(Int($0)) }) else { throw fail("a blocked seat is not free") }
        case .reserved(let channel, let seats):
            try checkSeats(seats)
            guard Identifier.isValid(channel) else { throw fail("channel \(channel) is not an id") }
            guard seats.allSatisfy({ self.seats.isFree(Int($0)) }) else { throw fail("a reserved seat is not free") }
        case .unblocked(let seats), .unreserved(let seats):
            try checkSeats(seats)
        case .added(let id, let seats, let places):
            try checkSeats(seats, places: places)
            guard self.holds[id]?.isSold == false else { throw fail("hold \(id) is not held") }
            guard seats.allSatisfy({ self.seats.isFree(Int($0)) && !self.seats.isBlocked(Int($0)) }) else { throw fail("a seat is not free") }
            guard places.allSatisfy({ self.placesFree($0.area) >= $0.count }) else { throw fail("an area has too few free places") }
        case .releasedItems(let id, let seats, let places):
            try checkSeats(seats, places: places)
            guard let hold = self.holds[id], !hold.isSold else { throw fail("hold \(id) is not held") }
            guard seats.allSatisfy(hold.seats.contains) else { throw fail("a seat is not in hold \(id)") }
            guard places.allSatisfy({ place in place.count <= (hold.places.first { $0.area == place.area }?.count ?? 0) })
            else { throw fail("places are not in hold \(id)") }
        case .sold(let record, _), .lateConfirmed(let record, _):
            try checkSeats(record.seats, places: record.places)
            guard self.holds[record.holdID] == nil, record.key == nil else { throw fail("hold id \(record.holdID) is in use") }
            guard record.seats.allSatisfy({ self.seats.isFree(Int($0)) && !self.seats.isBlocked(Int($0)) }) else {
                throw fail("a seat is not free")
            }
            guard record.places.allSatisfy({ self.placesFree($0.area) >= $0.count }) else {
                throw fail("an area has too few free places")
            }
        case .keyed(let key, _, let inner):
            guard self.keys[key] == nil else { throw fail("idempotency key \(key) is in use") }
            switch inner {
            case .held, .added, .confirmed, .sold, .lateConfirmed, .extended, .released, .releasedItems, .cancelled:
                try self.validate(inner, lsn: lsn)
            default:
                throw fail("\(inner) takes no key")
            }
        case .keysForgotten(let count):
            guard count >= 1, count <= self.keyOrder.count else { throw fail("\(count) keys to forget of \(self.keyOrder.count)") }
        }
    }

    private mutating func applyHeld(_ record: HeldRecord, lsn: LSN) {
        precondition(self.holds[record.holdID] == nil, "hold id \(record.holdID) reused")
        for seat in record.seats { self.seats.hold(Int(seat), by: record.holdID) }
        for place in record.places {
            precondition(self.placesFree(place.area) >= place.count, "area \(place.area) has too few places")
            self.placesHeld[place.area] += place.count
        }
        let hold = Hold(
            id: record.holdID, customer: record.customer, seats: record.seats, createdAtMs: record.createdAtMs,
            expiresAtMs: record.expiresAtMs, isSold: false, ref: nil, createdLSN: lsn, places: record.places)
        self.holds[record.holdID] = hold
        self.holdsByCustomer[record.customer, default: []].insert(record.holdID)
        self.seatsByCustomer[record.customer, default: 0] += hold.itemCount
        if let key = record.key {
            precondition(self.keys[key] == nil, "idempotency key \(key) used twice")
            self.keys[key] = KeyedReply(holdID: record.holdID, expiresAtMs: record.expiresAtMs, seats: record.seats,
                                        places: record.places, usedAtMs: record.createdAtMs)
            self.keyOrder.append(key)
        }
        self.scheduleExpiry(Expiry(expiresAtMs: record.expiresAtMs, holdID: record.holdID))
    }

    /// Adds a pending expiry. Confirmed, released and extended holds leave stale entries behind; once they
    /// outnumber the live ones the heap is rebuilt from the live holds, so it stays O(live holds) in size.
    private mutating func scheduleExpiry(_ expiry: Expiry) {
        self.expiries.insert(expiry)
        if self.expiries.count > 2 * self.holds.count + 64 {
            self.expiries = Heap(self.holds.values.lazy.filter { !$0.isSold }
                .map { Expiry(expiresAtMs: $0.expiresAtMs, holdID: $0.id) })
        }
    }

    private mutating func applyCancelled(_ id: HoldID, seats: [Int32], places: [PlaceCount]) {
        guard let hold = self.holds[id], hold.isSold else { preconditionFailure("cancel of \(id), which is not sold") }
        let remaining = hold.seats.filter { !seats.contains($0) }
        precondition(remaining.count + seats.count == hold.seats.count, "cancel of seats not in booking \(id)")
        var remainingPlaces: [PlaceCount] = []
        for place in hold.places {
            let cancelled = places.first { $0.area == place.area }?.count ?? 0
            precondition(cancelled <= place.count, "cancel of places not in booking \(id)")
            if place.count > cancelled { remainingPlaces.append(PlaceCount(area: place.area, count: place.count - cancelled)) }
        }
        if remaining.isEmpty && remainingPlaces.isEmpty {
            self.forget(id)
        } else {
            for seat in seats { self.seats.free(Int(seat)) }
            for place in places { self.placesSold[place.area] -= place.count }
            self.holds[id]!.seats = remaining
            self.holds[id]!.places = remainingPlaces
            self.seatsByCustomer[hold.customer]! -= hold.itemCount - self.holds[id]!.itemCount
        }
    }

    /// Frees the hold's seats and places and drops it from every index.
    private mutating func forget(_ id: HoldID) {
        let hold = self.holds.removeValue(forKey: id)!
        for seat in hold.seats { self.seats.free(Int(seat)) }
        for place in hold.places {
            if hold.isSold { self.placesSold[place.area] -= place.count } else { self.placesHeld[place.area] -= place.count }
        }
        self.holdsByCustomer[hold.customer]!.remove(id)
        if self.holdsByCustomer[hold.customer]!.isEmpty { self.holdsByCustomer[hold.customer] = nil }
        let left = self.seatsByCustomer[hold.customer]! - hold.itemCount
        self.seatsByCustomer[hold.customer] = left == 0 ? nil : left
    }

    private mutating func remember(expired id: HoldID) {
        self.expiredIDs.insert(id)
        self.expiredOrder.append(id)
        if self.expiredOrder.count > Limits.expiredHoldsRememberedMax {
            let forgotten = self.expiredOrder.removeFirst()
            self.expiredIDs.remove(forgotten)
            self.graceHolds[forgotten] = nil
        }
    }
}
