/// Checking a record read back from the log before it is applied: what `apply` would otherwise assert.
extension SessionState {
    /// Throws `.damaged` unless `change` applies to this state: what `apply` otherwise asserts. Recovery checks every
    /// record read back from the log with it, so a checksummed record that does not fit (a bug that wrote it, or a
    /// crafted file) refuses to start, naming its LSN, instead of trapping (found by `make fuzz`, log-fuzz).
    public func validate(_ change: SessionChange, lsn: LSN) throws(SeatError) {
        func fail(_ why: String) -> SeatError {
            .damaged("record at LSN \(lsn) does not apply to session \(self.id): \(why)")
        }
        func check(_ fault: String?) throws(SeatError) {
            if let fault { throw fail(fault) }
        }
        func items(_ seats: [Int32], _ places: [PlaceCount] = []) -> String? {
            self.hall.itemsFault(seats: seats, places: places)
        }
        guard lsn > self.lastLSN else { throw fail("it does not follow LSN \(self.lastLSN)") }
        switch change {
        case .held(let record):
            try check(items(record.seats, record.places))
            guard self.holds[record.holdID] == nil else { throw fail("hold id \(record.holdID) is in use") }
            try check(self.takeableFault(record.seats, record.places))
            if let key = record.key, self.keys[key] != nil { throw fail("idempotency key \(key) is in use") }
        case .extended(let id, _), .confirmed(let id, _), .released(let id), .expired(let id):
            guard self.holds[id]?.isSold == false else { throw fail("hold \(id) is not held") }
        case .cancelled(let id, let seats, let places):
            try check(items(seats, places))
            guard let hold = self.holds[id], hold.isSold else { throw fail("hold \(id) is not sold") }
            try check(Self.ownedFault(seats, places, of: hold, "booking"))
        case .blocked(let seats):
            try check(items(seats))
            guard seats.allSatisfy({ self.seats.isFree(Int($0)) }) else { throw fail("a blocked seat is not free") }
        case .reserved(let channel, let seats):
            try check(items(seats))
            guard Identifier.isValid(channel) else { throw fail("channel \(channel) is not an id") }
            guard seats.allSatisfy({ self.seats.isFree(Int($0)) }) else { throw fail("a reserved seat is not free") }
        case .unblocked(let seats), .unreserved(let seats):
            try check(items(seats))
        case .added(let id, let seats, let places):
            try check(items(seats, places))
            guard self.holds[id]?.isSold == false else { throw fail("hold \(id) is not held") }
            try check(self.takeableFault(seats, places))
        case .releasedItems(let id, let seats, let places):
            try check(items(seats, places))
            guard let hold = self.holds[id], !hold.isSold else { throw fail("hold \(id) is not held") }
            try check(Self.ownedFault(seats, places, of: hold, "hold"))
        case .sold(let record, _), .lateConfirmed(let record, _):
            try check(items(record.seats, record.places))
            guard self.holds[record.holdID] == nil, record.key == nil else {
                throw fail("hold id \(record.holdID) is in use")
            }
            try check(self.takeableFault(record.seats, record.places))
        case .keyed(let key, _, let inner):
            guard self.keys[key] == nil else { throw fail("idempotency key \(key) is in use") }
            switch inner {
            case .held, .added, .confirmed, .sold, .lateConfirmed, .extended, .released, .releasedItems, .cancelled:
                try self.validate(inner, lsn: lsn)
            case .expired, .blocked, .unblocked, .reserved, .unreserved, .keyed, .keysForgotten:
                throw fail("\(inner) takes no key")
            }
        case .keysForgotten(let count):
            guard count >= 1, count <= self.keyOrder.count else {
                throw fail("\(count) keys to forget of \(self.keyOrder.count)")
            }
        }
    }

    /// Why a hold cannot take `seats` and `places`, or nil: each seat free and not blocked, each area with enough
    /// free places.
    private func takeableFault(_ seats: [Int32], _ places: [PlaceCount]) -> String? {
        guard seats.allSatisfy({ self.seats.isFree(Int($0)) && !self.seats.isBlocked(Int($0)) }) else {
            return "a seat is not free"
        }
        guard places.allSatisfy({ self.placesFree($0.area) >= $0.count }) else {
            return "an area has too few free places"
        }
        return nil
    }

    /// Why `seats` and `places` are not all items of `hold` (a "hold" or a "booking"), or nil.
    private static func ownedFault(
        _ seats: [Int32], _ places: [PlaceCount], of hold: Hold, _ noun: String
    )
        -> String?
    {
        guard seats.allSatisfy(hold.seats.contains) else { return "a seat is not in \(noun) \(hold.id)" }
        let owned = places.allSatisfy { place in
            place.count <= (hold.places.first { $0.area == place.area }?.count ?? 0)
        }
        return owned ? nil : "places are not in \(noun) \(hold.id)"
    }
}
