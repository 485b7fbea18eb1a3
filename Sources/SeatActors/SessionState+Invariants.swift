/// Invariants as code, checked after every apply in debug builds and tests. One precondition per fact.
extension SessionState {
    /// Traps when the state breaks a rule. O(capacity + holds).
    public func checkInvariants() {
        let seats = self.seats
        precondition(seats.freeCount >= 0, "negative free count")
        precondition(seats.freeCount + seats.heldCount + seats.soldCount == seats.capacity, "counts do not add up")
        var claimed = [Bool](repeating: false, count: seats.capacity)
        var held = 0
        var sold = 0
        var byCustomer: [String: Int] = [:]
        var placesHeld = [Int](repeating: 0, count: self.hall.areas.count)
        var placesSold = placesHeld
        for (id, hold) in self.holds {
            let fault = self.hall.itemsFault(seats: hold.seats, places: hold.places)
            precondition(fault == nil, "hold \(id): \(fault ?? "")")
            for place in hold.places {
                if hold.isSold { placesSold[place.area] += place.count } else { placesHeld[place.area] += place.count }
            }
            for seat in hold.seats.map(Int.init) {
                precondition(!claimed[seat], "seat \(seat) is in two holds")
                claimed[seat] = true
                precondition(seats.owner(of: seat) == id, "seat \(seat) is not owned by its hold \(id)")
                precondition(seats.state(of: seat) == (hold.isSold ? .sold : .held), "seat \(seat) state mismatch")
            }
            if hold.isSold { sold += hold.seats.count } else { held += hold.seats.count }
            byCustomer[hold.customer, default: 0] += hold.itemCount
            precondition(self.holdsByCustomer[hold.customer]?.contains(id) == true, "hold \(id) not indexed")
            precondition(!self.expiredIDs.contains(id), "live hold \(id) remembered as expired")
        }
        precondition(held == seats.heldCount, "held count \(seats.heldCount) but holds cover \(held)")
        precondition(sold == seats.soldCount, "sold count \(seats.soldCount) but bookings cover \(sold)")
        for index in 0..<seats.capacity where !claimed[index] {
            precondition(seats.isFree(index), "seat \(index) is occupied by no hold")
        }
        for index in 0..<seats.capacity where seats.isBlocked(index) {
            precondition(seats.isFree(index), "blocked seat \(index) is occupied")
        }
        precondition(seats.blockedSeats.count == seats.blockedCount, "blocked count drifted")
        precondition(placesHeld == self.placesHeld && placesSold == self.placesSold, "place counts drifted")
        for area in self.hall.areas.indices {
            precondition(self.placesFree(area) >= 0, "area \(area) has more places taken than it has")
        }
        precondition(byCustomer == self.seatsByCustomer, "customer seat counts drifted")
        let indexed = self.holdsByCustomer.values.reduce(0) { $0 + $1.count }
        precondition(indexed == self.holds.count, "customer index lists \(indexed) of \(self.holds.count) holds")
        precondition(self.expiredIDs.count == self.expiredOrder.count, "expired id set and order differ")
        precondition(self.lastLSN >= self.handle, "last LSN precedes the session's creation")
    }
}
