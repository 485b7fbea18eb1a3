import HeapModule

/// The only mutation path of a session. Live requests and recovery both come through here.
extension SessionState {
    /// Applies a change that was decided (live) or read back from the log (recovery).
    public mutating func apply(_ change: SessionChange, lsn: LSN) {
        precondition(lsn > self.lastLSN, "LSN \(lsn) does not follow \(self.lastLSN) in session \(self.id)")
        switch change {
        case .held(let record):
            self.applyHeld(record, lsn: lsn)
        case .extended(let id, let expiresAtMs):
            precondition(self.holds[id]?.isSold == false, "extend of \(id), which is not held")
            self.holds[id]!.expiresAtMs = expiresAtMs
            self.scheduleExpiry(Expiry(expiresAtMs: expiresAtMs, holdID: id))
        case .confirmed(let id, let ref):
            precondition(self.holds[id]?.isSold == false, "confirm of \(id), which is not held")
            for seat in self.holds[id]!.seats { self.seats.sell(Int(seat)) }
            self.holds[id]!.isSold = true
            self.holds[id]!.ref = ref
            self.confirmsTotal += 1
        case .released(let id):
            precondition(self.holds[id]?.isSold == false, "release of \(id), which is not held")
            self.forget(id, freeing: self.holds[id]!.seats)
        case .expired(let id):
            precondition(self.holds[id]?.isSold == false, "expiry of \(id), which is not held")
            self.forget(id, freeing: self.holds[id]!.seats)
            self.remember(expired: id)
        case .cancelled(let id, let seats):
            self.applyCancelled(id, seats: seats)
        }
        self.lastLSN = lsn
        if Self.checksInvariants { self.checkInvariants() }
    }

    private mutating func applyHeld(_ record: HeldRecord, lsn: LSN) {
        precondition(self.holds[record.holdID] == nil, "hold id \(record.holdID) reused")
        for seat in record.seats { self.seats.hold(Int(seat), by: record.holdID) }
        self.holds[record.holdID] = Hold(
            id: record.holdID, customer: record.customer, seats: record.seats, createdAtMs: record.createdAtMs,
            expiresAtMs: record.expiresAtMs, isSold: false, ref: nil, createdLSN: lsn)
        self.holdsByCustomer[record.customer, default: []].append(record.holdID)
        self.seatsByCustomer[record.customer, default: 0] += record.seats.count
        if let key = record.key {
            precondition(self.keys[key] == nil, "idempotency key \(key) used twice")
            self.keys[key] = KeyedReply(holdID: record.holdID, expiresAtMs: record.expiresAtMs, seats: record.seats)
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

    private mutating func applyCancelled(_ id: HoldID, seats: [Int32]) {
        guard let hold = self.holds[id], hold.isSold else { preconditionFailure("cancel of \(id), which is not sold") }
        let remaining = hold.seats.filter { !seats.contains($0) }
        precondition(remaining.count + seats.count == hold.seats.count, "cancel of seats not in booking \(id)")
        if remaining.isEmpty {
            self.forget(id, freeing: seats)
        } else {
            for seat in seats { self.seats.free(Int(seat)) }
            self.holds[id]!.seats = remaining
            self.seatsByCustomer[hold.customer]! -= seats.count
        }
    }

    /// Frees `seats` and drops the hold from every index.
    private mutating func forget(_ id: HoldID, freeing seats: [Int32]) {
        let hold = self.holds.removeValue(forKey: id)!
        for seat in seats { self.seats.free(Int(seat)) }
        self.holdsByCustomer[hold.customer]!.removeAll { $0 == id }
        if self.holdsByCustomer[hold.customer]!.isEmpty { self.holdsByCustomer[hold.customer] = nil }
        let left = self.seatsByCustomer[hold.customer]! - seats.count
        self.seatsByCustomer[hold.customer] = left == 0 ? nil : left
    }

    private mutating func remember(expired id: HoldID) {
        self.expiredIDs.insert(id)
        self.expiredOrder.append(id)
        if self.expiredOrder.count > Limits.expiredHoldsRememberedMax {
            self.expiredIDs.remove(self.expiredOrder.removeFirst())
        }
    }
}
