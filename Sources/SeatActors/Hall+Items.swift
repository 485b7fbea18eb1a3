/// What makes a list of items (seats and GA places) well formed in a hall, checked in one place for a record read
/// back from the log (`SessionState.validate`), a hold of a snapshot image (`SessionState(restoring:...)`) and a
/// live hold (`SessionState.checkInvariants`).
extension Hall {
    /// Why `seats` and `places` are not the items of one hold or change in this hall, or nil when they are: at least
    /// one item; seats are dense indices of the hall's seats, strictly ascending; places are by area index, strictly
    /// ascending, each of an area of the hall and at least 1.
    func itemsFault(seats: [Int32], places: [PlaceCount]) -> String? {
        guard !seats.isEmpty || !places.isEmpty else { return "no seats and no places" }
        guard zip(seats, seats.dropFirst()).allSatisfy({ $0 < $1 }),
            seats.first.map({ $0 >= 0 }) ?? true, seats.last.map({ Int($0) < self.seatCount }) ?? true
        else { return "seats \(seats) are not ascending seats of the hall" }
        guard zip(places, places.dropFirst()).allSatisfy({ $0.area < $1.area }),
            places.allSatisfy({ $0.area >= 0 && $0.area < self.areas.count && $0.count >= 1 })
        else { return "places \(places) are not places of the hall's areas" }
        return nil
    }
}
