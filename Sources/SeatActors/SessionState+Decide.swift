/// Decisions: each checks a request against the state and returns the change to log and apply, or throws.
/// None of them mutates; none reads a clock (`nowMs` is passed in).
extension SessionState {
    /// What a HOLD decided: a new hold, or the first reply of an idempotency key already used.
    public enum HoldDecision: Sendable, Equatable {
        case change(SessionChange)
        case repeated(HoldReply)
    }

    /// What a CONFIRM decided: the confirmation, or the same reply again for a booking already confirmed.
    public enum ConfirmDecision: Sendable, Equatable {
        case change(SessionChange)
        case repeated(HoldSeats)
    }

    /// Decides a HOLD. Checks, in order: a used key (repeat its reply), the options name parts of the hall, seats
    /// and areas exist, items per hold, ttl, the customer's limit (places count like seats), then availability:
    /// `.taken` names every unavailable seat, then `.areasSoldOut` every area short of places.
    public func decideHold(
        customer: String, selection: SeatSelection, ttlSeconds: Int?, key: String?,
        seatsMax: Int = Limits.seatsPerHoldMax, nowMs: Int64, options: HoldOptions = HoldOptions(),
        newHoldID: () -> HoldID
    ) throws(SeatError) -> HoldDecision {
        if let key, let first = self.keys[key] {
            guard first.form == .hold else { throw .badRequest("key \(key) was used by another kind of request") }
            return .repeated(HoldReply(holdID: first.holdID, expiresAtMs: first.expiresAtMs,
                                       seats: self.labels(first.seats), places: self.labels(first.places)))
        }
        let ttl = ttlSeconds ?? self.config.ttlSeconds
        let (seats, places) = try self.choose(
            customer: customer, selection, options, seatsMax: seatsMax, owned: 0,
            check: { () throws(SeatError) in
                guard ttl >= 1, ttl <= self.config.maxTTLSeconds else {
                    throw .limit("ttl \(ttl) is beyond the session's maxttl \(self.config.maxTTLSeconds)")
                }
            })
        let record = HeldRecord(
            holdID: self.newID(newHoldID), customer: customer, seats: seats.map { Int32($0) }, createdAtMs: nowMs,
            expiresAtMs: nowMs + Int64(ttl) * 1_000, key: key, places: places)
        return .change(.held(record))
    }

    /// Decides a SELL (since 1.1): HOLD's checks and choice, held and confirmed in one change.
    public func decideSell(
        customer: String, selection: SeatSelection, ref: String?, seatsMax: Int = Limits.seatsPerHoldMax,
        nowMs: Int64, options: HoldOptions = HoldOptions(), newHoldID: () -> HoldID
    ) throws(SeatError) -> SessionChange {
        let (seats, places) = try self.choose(customer: customer, selection, options, seatsMax: seatsMax, owned: 0)
        let record = HeldRecord(holdID: self.newID(newHoldID), customer: customer, seats: seats.map { Int32($0) },
                                createdAtMs: nowMs, expiresAtMs: nowMs, key: nil, places: places)
        return .sold(record, ref: ref)
    }

    /// Decides an ADD to a live held hold (since 1.1): HOLD's checks in HOLD's order, the hold's items counting
    /// towards the limits. `EXPIRED` for a lapsed hold, `NOT_HELD` for a booking.
    public func decideAdd(
        _ id: HoldID, selection: SeatSelection, seatsMax: Int = Limits.seatsPerHoldMax, nowMs: Int64,
        options: HoldOptions = HoldOptions()
    ) throws(SeatError) -> SessionChange {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard !hold.isSold else { throw .notHeld("hold \(id) is confirmed") }
        let (seats, places) = try self.choose(customer: hold.customer, selection, options, seatsMax: seatsMax,
                                              owned: hold.itemCount)
        return .added(id, seats: seats.map { Int32($0) }, places: places)
    }

    /// The checks and the choice of HOLD, SELL and ADD: the options name parts of the hall, seats and areas exist,
    /// items per hold (with `owned` items of the hold already), `check` (HOLD's ttl), the customer's limit, then
    /// availability. Returns dense seat indices ascending and places by area.
    private func choose(
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
            return (options.split
                ? try self.seats.splitBlocks(of: count, in: self.hall, from: available)
                : try self.seats.bestBlock(of: count, in: self.hall, from: available), [])
        case .any(let count):
            let available = self.seats.availability(channel: options.channel, masks: masks, avoidingOrphans: false)
            return (try self.seats.anySeats(count, in: self.hall, from: available), [])
        }
    }

    /// A hold id no live, lapsed or remembered hold has.
    private func newID(_ newHoldID: () -> HoldID) -> HoldID {
        var id = newHoldID()
        while self.holds[id] != nil || self.expiredIDs.contains(id) { id = newHoldID() }
        return id
    }

    /// The seat masks BEST/ANY are restricted to (a category's, a flag's); throws for a name the hall lacks.
    private func masks(of options: HoldOptions) throws(SeatError) -> [[UInt64]] {
        var masks: [[UInt64]] = []
        if let name = options.category {
            guard let index = self.hall.category(named: name) else { throw .badRequest("no category \(name) in hall \(self.hall.id)") }
            masks.append(self.hall.categories[index].mask)
        }
        if let name = options.flag {
            guard let index = self.hall.flag(named: name) else { throw .badRequest("no flag \(name) in hall \(self.hall.id)") }
            masks.append(self.hall.flags[index].mask)
        }
        return masks
    }

    /// Decides an EXTEND: new expiry = now + ttl, at most maxttl after the hold's creation.
    public func decideExtend(_ id: HoldID, ttlSeconds: Int, nowMs: Int64) throws(SeatError) -> SessionChange {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard !hold.isSold else { throw .notHeld("hold \(id) is confirmed") }
        guard ttlSeconds >= 1, ttlSeconds <= Limits.ttlSecondsMax else {
            throw .badRequest("ttl must be 1 to \(Limits.ttlSecondsMax) seconds")
        }
        let expiresAtMs = nowMs + Int64(ttlSeconds) * 1_000
        let latestMs = hold.createdAtMs + Int64(self.config.maxTTLSeconds) * 1_000
        guard expiresAtMs <= latestMs else {
            throw .limit("hold \(id) may live at most \(self.config.maxTTLSeconds) s from its creation")
        }
        return .extended(id, expiresAtMs: expiresAtMs)
    }

    /// Decides a CONFIRM: held -> sold; a booking already confirmed gets the same reply again. Since 1.1, with the
    /// session's `grace`, a hold that lapsed at most that long ago is sold after all when none of its items has
    /// been taken since (and its seats are not blocked): a late payment.
    public func decideConfirm(_ id: HoldID, ref: String?, nowMs: Int64) throws(SeatError) -> ConfirmDecision {
        if let lapsed = self.graceHolds[id], self.holds[id] == nil,
            nowMs - lapsed.expiresAtMs <= Int64(self.config.graceSeconds) * 1_000,
            lapsed.seats.allSatisfy({ self.seats.isFree(Int($0)) && !self.seats.isBlocked(Int($0)) }),
            lapsed.places.allSatisfy({ self.placesFree($0.area) >= $0.count })
        {
            return .change(.lateConfirmed(HeldRecord(
                holdID: id, customer: lapsed.customer, seats: lapsed.seats, createdAtMs: lapsed.createdAtMs,
                expiresAtMs: lapsed.expiresAtMs, key: nil, places: lapsed.places), ref: ref))
        }
        let hold = try self.liveHold(id, nowMs: nowMs)
        if hold.isSold { return .repeated(HoldSeats(holdID: id, seats: self.labels(hold.seats), places: self.labels(hold.places))) }
        return .change(.confirmed(id, ref: ref))
    }

    /// Decides a RELEASE: held -> free, the whole hold or (since 1.1) the listed items of it. A booking needs CANCEL.
    public func decideRelease(_ id: HoldID, seats labels: [SeatLabel]? = nil, places named: [AreaPlaces] = [], nowMs: Int64)
        throws(SeatError) -> SessionChange
    {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard !hold.isSold else { throw .notHeld("hold \(id) is confirmed: use CANCEL") }
        guard labels != nil || !named.isEmpty else { return .released(id) }
        let (indices, places) = try self.resolveExplicit(.explicit(labels ?? []), places: named)
        var outside = indices.filter { !hold.seats.contains(Int32($0)) }.map { self.hall.label(of: $0).description }
        for place in places where place.count > (hold.places.first { $0.area == place.area }?.count ?? 0) {
            outside.append(AreaPlaces(area: self.hall.areas[place.area].name, count: place.count).description)
        }
        guard outside.isEmpty else { throw .notHeld("not in hold \(id): " + outside.joined(separator: " ")) }
        return .releasedItems(id, seats: indices.map { Int32($0) }, places: places)
    }

    /// Decides a CANCEL of a whole booking (`seats` nil and no places) or of some of its seats and places.
    public func decideCancel(_ id: HoldID, seats labels: [SeatLabel]?, places named: [AreaPlaces] = [], nowMs: Int64)
        throws(SeatError) -> SessionChange
    {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard hold.isSold else { throw .notHeld("hold \(id) is not confirmed: use RELEASE") }
        guard labels != nil || !named.isEmpty else { return .cancelled(id, seats: hold.seats, places: hold.places) }
        let (indices, places) = try self.resolveExplicit(.explicit(labels ?? []), places: named)
        var outside = indices.filter { !hold.seats.contains(Int32($0)) }.map { self.hall.label(of: $0).description }
        for place in places where place.count > (hold.places.first { $0.area == place.area }?.count ?? 0) {
            outside.append(AreaPlaces(area: self.hall.areas[place.area].name, count: place.count).description)
        }
        guard outside.isEmpty else { throw .notHeld("not in booking \(id): " + outside.joined(separator: " ")) }
        return .cancelled(id, seats: indices.map { Int32($0) }, places: places)
    }

    /// Decides a BLOCK (`block`) or an UNBLOCK: every seat must exist; BLOCK takes only free seats (`.taken` names
    /// every held or sold one). Blocking a blocked seat or unblocking a seat that is not blocked changes nothing.
    public func decideBlock(_ labels: [SeatLabel], block: Bool) throws(SeatError) -> SessionChange {
        let indices = try self.resolveSeats(labels)
        if block {
            let taken = indices.filter { !self.seats.isFree($0) }
            guard taken.isEmpty else { throw .taken(taken.map { self.hall.label(of: $0) }) }
            return .blocked(seats: indices.map { Int32($0) })
        }
        return .unblocked(seats: indices.map { Int32($0) })
    }

    /// Decides a RESERVE for `channel` (nil: an UNRESERVE): every seat must exist; RESERVE takes only free seats. A
    /// seat reserved for another channel moves to this one; unreserving an unreserved seat changes nothing.
    public func decideReserve(_ labels: [SeatLabel], channel: String?) throws(SeatError) -> SessionChange {
        let indices = try self.resolveSeats(labels)
        guard let channel else { return .unreserved(seats: indices.map { Int32($0) }) }
        let taken = indices.filter { !self.seats.isFree($0) }
        guard taken.isEmpty else { throw .taken(taken.map { self.hall.label(of: $0) }) }
        return .reserved(channel: channel, seats: indices.map { Int32($0) })
    }

    private func resolveSeats(_ labels: [SeatLabel]) throws(SeatError) -> [Int] {
        guard !labels.isEmpty else { throw .badRequest("name at least one seat") }
        return try self.resolveExplicit(.explicit(labels), places: []).seats
    }

    /// Holds among `labels`' owners that have lapsed at `nowMs`: expire them before deciding a HOLD.
    public func lapsedOwners(of selection: SeatSelection, nowMs: Int64) -> [HoldID] {
        guard case .explicit(let labels) = selection else { return [] }
        var lapsed: [HoldID] = []
        for label in labels {
            guard let index = self.hall.index(of: label), let owner = self.seats.owner(of: index),
                let hold = self.holds[owner], hold.hasLapsed(at: nowMs), !lapsed.contains(owner)
            else { continue }
            lapsed.append(owner)
        }
        return lapsed
    }

    /// The live hold `id`, or the error for a lapsed (EXPIRED) or unknown (NO_SUCH_HOLD) one.
    private func liveHold(_ id: HoldID, nowMs: Int64) throws(SeatError) -> Hold {
        guard let hold = self.holds[id] else {
            throw self.expiredIDs.contains(id) ? .expired("\(id)") : .noSuchHold("\(id)")
        }
        guard !hold.hasLapsed(at: nowMs) else { throw .expired("\(id)") }
        return hold
    }

    /// Dense indices of explicit seats, ascending, and places by area index; `.noSuchSeat` lists every seat and area
    /// the hall lacks, `.badRequest` a seat or area named twice. No seats for BEST and ANY.
    private func resolveExplicit(_ selection: SeatSelection, places named: [AreaPlaces]) throws(SeatError)
        -> (seats: [Int], places: [PlaceCount])
    {
        var places: [PlaceCount] = []
        var missingAreas: [String] = []
        for place in named {
            guard let area = self.hall.area(named: place.area) else {
                missingAreas.append(place.area)
                continue
            }
            guard !places.contains(where: { $0.area == area }) else { throw .badRequest("area \(place.area) is named twice") }
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
            for label in labels where !seen.insert(label).inserted { throw .badRequest("seat \(label) is named twice") }
        }
        var indices: [Int] = []
        var missing: [SeatLabel] = []
        for label in labels {
            if let index = self.hall.index(of: label) { indices.append(index) } else { missing.append(label) }
        }
        guard missing.isEmpty, missingAreas.isEmpty else { throw .noSuchSeat(missing, areas: missingAreas) }
        indices.sort()
        return (indices, places)
    }
}
