/// What decisions share: resolving the seats and areas a request names, choosing seats for HOLD, SELL and ADD,
/// and finding the live hold a request names.
extension SessionState {
    /// The checks and the choice of HOLD, SELL and ADD: the options name parts of the hall, seats and areas exist,
    /// items per hold (with `owned` items of the hold already), `check` (HOLD's ttl), the customer's limit, then
    /// availability. Returns dense seat indices ascending and places by area.
    func choose(
        customer: String, _ selection: SeatSelection, _ options: HoldOptions, seatsMax: Int, owned: Int,
        check: () throws(SeatError) -> Void = {}
    ) throws(SeatError) -> ([Int], [PlaceCount]) {
        let masks = try self.masks(of: options)
        let (explicit, places) = try self.resolveExplicit(selection, places: options.places)
        let items = selection.count + places.reduce(0) { $0 + $1.count }
        guard items >= 1 else { throw .badRequest("a hold needs at least one seat") }
        let seatsMax = min(seatsMax, Limits.seatsPerHoldMax)
        guard owned + items <= seatsMax else {
            throw .limit("at most \(seatsMax) seats per hold")
        }
        try check()
        if let limit = self.config.customerSeatsMax {
            let owned = self.seatsByCustomer[customer] ?? 0
            guard owned + items <= limit else {
                throw .limit("customer \(customer) has \(owned) of at most \(limit) seats")
            }
        }
        switch selection {
        case .explicit:
            let available = self.seats.availability(channel: options.channel, masks: [], avoidingOrphans: false)
            let taken = explicit.filter { !available.isAvailable($0) }
            guard taken.isEmpty else { throw .taken(taken.map { self.hall.label(of: $0) }) }
            let short = places.filter { self.placesFree($0.area) < $0.count }
            guard short.isEmpty else { throw .areasSoldOut(short.map { self.hall.areas[$0.area].name }) }
            return (explicit, places)
        case .best(let count):
            let avoid = options.avoidOrphans ?? self.config.avoidsOrphans
            let available = self.seats.availability(channel: options.channel, masks: masks, avoidingOrphans: avoid)
            return (
                options.split
                    ? try self.seats.splitBlocks(of: count, in: self.hall, from: available)
                    : try self.seats.bestBlock(of: count, in: self.hall, from: available), []
            )
        case .any(let count):
            let available = self.seats.availability(channel: options.channel, masks: masks, avoidingOrphans: false)
            return (try self.seats.anySeats(count, in: self.hall, from: available), [])
        }
    }

    /// A hold id no live, lapsed or remembered hold has.
    func newID(_ newHoldID: () -> HoldID) -> HoldID {
        var id = newHoldID()
        while self.holds[id] != nil || self.expiredIDs.contains(id) { id = newHoldID() }
        return id
    }

    /// The seat masks BEST/ANY are restricted to (a category's, a flag's); throws for a name the hall lacks.
    func masks(of options: HoldOptions) throws(SeatError) -> [[UInt64]] {
        var masks: [[UInt64]] = []
        if let name = options.category {
            guard let index = self.hall.category(named: name) else {
                throw .badRequest("no category \(name) in hall \(self.hall.id)")
            }
            masks.append(self.hall.categories[index].mask)
        }
        if let name = options.flag {
            guard let index = self.hall.flag(named: name) else {
                throw .badRequest("no flag \(name) in hall \(self.hall.id)")
            }
            masks.append(self.hall.flags[index].mask)
        }
        return masks
    }

    /// Dense indices of seats a BLOCK or RESERVE names, ascending; at least one.
    func resolveSeats(_ labels: [SeatLabel]) throws(SeatError) -> [Int] {
        guard !labels.isEmpty else { throw .badRequest("name at least one seat") }
        return try self.resolveExplicit(.explicit(labels), places: []).seats
    }

    /// The live hold `id`, or the error for a lapsed (EXPIRED) or unknown (NO_SUCH_HOLD) one.
    func liveHold(_ id: HoldID, nowMs: Int64) throws(SeatError) -> Hold {
        guard let hold = self.holds[id] else {
            throw self.expiredIDs.contains(id) ? .expired("\(id)") : .noSuchHold("\(id)")
        }
        guard !hold.hasLapsed(at: nowMs) else { throw .expired("\(id)") }
        return hold
    }

    /// Dense indices of explicit seats, ascending, and places by area index; `.noSuchSeat` lists every seat and area
    /// the hall lacks, `.badRequest` a seat or area named twice. No seats for BEST and ANY.
    func resolveExplicit(
        _ selection: SeatSelection, places named: [AreaPlaces]
    ) throws(SeatError)
        -> (seats: [Int], places: [PlaceCount])
    {
        var places: [PlaceCount] = []
        var missingAreas: [String] = []
        for place in named {
            guard let area = self.hall.area(named: place.area) else {
                missingAreas.append(place.area)
                continue
            }
            guard !places.contains(where: { $0.area == area }) else {
                throw .badRequest("area \(place.area) is named twice")
            }
            places.append(PlaceCount(area: area, count: place.count))
        }
        places.sort { $0.area < $1.area }
        guard case .explicit(let labels) = selection else {
            guard missingAreas.isEmpty else { throw .noSuchSeat([], areas: missingAreas) }
            return ([], places)
        }
        // Most holds name a few seats: compare pairs; beyond that, a set.
        if labels.count <= 8 {
            for index in labels.indices where labels[..<index].contains(labels[index]) {
                throw .badRequest("seat \(labels[index]) is named twice")
            }
        } else {
            var seen = Set<SeatLabel>()
            for label in labels where !seen.insert(label).inserted {
                throw .badRequest("seat \(label) is named twice")
            }
        }
        var indices: [Int] = []
        indices.reserveCapacity(labels.count)
        var missing: [SeatLabel] = []
        for label in labels {
            if let index = self.hall.index(of: label) { indices.append(index) } else { missing.append(label) }
        }
        guard missing.isEmpty, missingAreas.isEmpty else { throw .noSuchSeat(missing, areas: missingAreas) }
        indices.sort()
        return (indices, places)
    }

    /// The items of `indices` and `places` that `hold` does not have, as clients name them.
    func itemsOutside(_ hold: Hold, _ indices: [Int], _ places: [PlaceCount]) -> [String] {
        var outside = indices.filter { !hold.seats.contains(Int32($0)) }.map { self.hall.label(of: $0).description }
        for place in places where place.count > (hold.places.first { $0.area == place.area }?.count ?? 0) {
            outside.append(AreaPlaces(area: self.hall.areas[place.area].name, count: place.count).description)
        }
        return outside
    }
}
