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
            self.keys[key] = self.keyedReply(of: inner, key: key, atMs: atMs)
            self.keyOrder.append(key)
        case .keysForgotten(let count):
            precondition(count <= self.keyOrder.count, "forgetting \(count) of \(self.keyOrder.count) keys")
            for _ in 0..<count { self.keys[self.keyOrder.removeFirst()] = nil }
        }
    }

    /// What a key keeps of the change it was used with (read after the change applied).
    private func keyedReply(of change: SessionChange, key: String, atMs: Int64) -> KeyedReply {
        func items(_ id: HoldID, _ seats: [Int32], _ places: [PlaceCount]) -> KeyedReply {
            KeyedReply(key: key, form: .items, holdID: id, seats: seats, places: places, usedAtMs: atMs)
        }
        func whole(_ form: KeyedReply.Form, _ id: HoldID) -> KeyedReply {
            let hold = self.holds[id]!
            return KeyedReply(
                key: key, form: form, holdID: id, expiresAtMs: form == .hold ? hold.expiresAtMs : 0,
                seats: hold.seats, places: hold.places, usedAtMs: atMs)
        }
        switch change {
        case .held(let record): return whole(.hold, record.holdID)
        case .added(let id, _, _): return whole(.hold, id)
        case .confirmed(let id, _): return whole(.items, id)
        case .sold(let record, _), .lateConfirmed(let record, _): return whole(.items, record.holdID)
        case .extended(let id, let expiresAtMs):
            return KeyedReply(key: key, form: .extended, holdID: id, expiresAtMs: expiresAtMs, usedAtMs: atMs)
        case .released(let id), .expired(let id):
            return KeyedReply(key: key, form: .released, holdID: id, usedAtMs: atMs)
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
        return counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            .map { PlaceCount(area: $0.key, count: $0.value) }
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
            self.keys[key] = KeyedReply(
                key: key, form: .hold, holdID: record.holdID, expiresAtMs: record.expiresAtMs,
                seats: record.seats, places: record.places, usedAtMs: record.createdAtMs)
            self.keyOrder.append(key)
        }
        self.scheduleExpiry(Expiry(expiresAtMs: record.expiresAtMs, holdID: record.holdID))
    }

    /// Adds a pending expiry. Confirmed, released and extended holds leave stale entries behind; once they
    /// outnumber the live ones the heap is rebuilt from the live holds, so it stays O(live holds) in size.
    private mutating func scheduleExpiry(_ expiry: Expiry) {
        self.expiries.insert(expiry)
        if self.expiries.count > 2 * self.holds.count + 64 {
            self.expiries = Heap(
                self.holds.values.lazy.filter { !$0.isSold }
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
            if place.count > cancelled {
                remainingPlaces.append(PlaceCount(area: place.area, count: place.count - cancelled))
            }
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
            if hold.isSold {
                self.placesSold[place.area] -= place.count
            } else {
                self.placesHeld[place.area] -= place.count
            }
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
