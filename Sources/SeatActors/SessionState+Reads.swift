/// The reads a session's state answers: AVAIL's counts (of the whole hall or one part), MAP's rows and areas, and
/// LIST's holds of a customer.
extension SessionState {
    /// Seat and place counts. Blocked and reserved seats are not free; free + held + sold + blocked + reserved is
    /// the hall's capacity.
    public var counts: SeatCounts {
        let placesHeld = self.placesHeld.reduce(0, +)
        let placesSold = self.placesSold.reduce(0, +)
        let placesFree = self.hall.capacity - self.hall.seatCount - placesHeld - placesSold
        var counts = SeatCounts(
            free: self.seats.openFreeCount + placesFree, held: self.seats.heldCount + placesHeld,
            sold: self.seats.soldCount + placesSold)
        if self.seats.hasSetAside {
            counts.blocked = self.seats.blockedCount
            counts.reserved = self.seats.reservedFreeCount
            counts.setAside = true
        }
        return counts
    }

    /// A part of the hall AVAIL may count alone (since 1.1).
    public enum Part: Sendable, Equatable {
        case category(String)
        case flag(String)
        case area(String)
    }

    /// The counts of one part: the seats of a category (and its areas), the seats with a flag, or one area.
    public func counts(of part: Part) throws(SeatError) -> SeatCounts {
        var seatMask: [UInt64]? = nil
        var areas: [Int] = []
        switch part {
        case .category(let name):
            guard let index = self.hall.category(named: name) else {
                throw .badRequest("no category \(name) in hall \(self.hall.id)")
            }
            seatMask = self.hall.categories[index].mask
            areas = self.hall.categories[index].areas
        case .flag(let name):
            guard let index = self.hall.flag(named: name) else {
                throw .badRequest("no flag \(name) in hall \(self.hall.id)")
            }
            seatMask = self.hall.flags[index].mask
        case .area(let name):
            guard let index = self.hall.area(named: name) else {
                throw .badRequest("no area \(name) in hall \(self.hall.id)")
            }
            areas = [index]
        }
        var (free, held, sold, blocked, reserved) = (0, 0, 0, 0, 0)
        if let seatMask {
            for index in 0..<self.seats.capacity where seatMask[index >> 6] & (1 << UInt64(index & 63)) != 0 {
                switch self.seats.shown(index) {
                case .held: held += 1
                case .sold: sold += 1
                case .blocked: blocked += 1
                case .reserved: reserved += 1
                case .free: free += 1
                }
            }
        }
        for area in areas {
            held += self.placesHeld[area]
            sold += self.placesSold[area]
            free += self.hall.areas[area].capacity - self.placesHeld[area] - self.placesSold[area]
        }
        var counts = SeatCounts(free: free, held: held, sold: sold)
        if self.seats.hasSetAside { (counts.blocked, counts.reserved, counts.setAside) = (blocked, reserved, true) }
        return counts
    }

    /// The seat map by row in listed order: `.` free, `h` held, `x` sold, and since 1.1 `b` blocked and `r` a
    /// free seat reserved for a channel.
    public func mapRows() -> [(row: String, states: String)] {
        self.hall.rows.map { row in
            var bytes = [UInt8]()
            bytes.reserveCapacity(row.seatCount)
            for index in row.firstIndex..<(row.firstIndex + row.seatCount) {
                switch self.seats.shown(index) {
                case .free: bytes.append(UInt8(ascii: "."))
                case .held: bytes.append(UInt8(ascii: "h"))
                case .sold: bytes.append(UInt8(ascii: "x"))
                case .blocked: bytes.append(UInt8(ascii: "b"))
                case .reserved: bytes.append(UInt8(ascii: "r"))
                }
            }
            return (row.label, String(decoding: bytes, as: UTF8.self))
        }
    }

    /// MAP's area tokens after the rows (since 1.1): `<area>:<free>/<capacity>`.
    public func mapAreas() -> [String] {
        self.hall.areas.indices.map { area in
            "\(self.hall.areas[area].name):\(self.placesFree(area))/\(self.hall.areas[area].capacity)"
        }
    }

    /// A customer's live holds and bookings, oldest first.
    public func list(customer: String) -> [CustomerHold] {
        (self.holdsByCustomer[customer] ?? []).map { self.holds[$0]! }.sorted { $0.createdLSN < $1.createdLSN }.map {
            CustomerHold(holdID: $0.id, isSold: $0.isSold, seats: self.labels($0.seats), places: self.labels($0.places))
        }
    }
}
