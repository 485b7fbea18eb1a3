/// Decisions: each checks a request against the state and returns the change to log and apply, or throws.
/// None of them mutates; none reads a clock (`nowMs` is passed in). What they return: `SessionState+Decisions.swift`.
extension SessionState {
    /// Decides a HOLD. Checks, in order: a used key (repeat its reply), the options name parts of the hall, seats
    /// and areas exist, items per hold, ttl, the customer's limit (places count like seats), then availability:
    /// `.taken` names every unavailable seat, then `.areasSoldOut` every area short of places.
    public func decideHold(
        customer: String, selection: SeatSelection, ttlSeconds: Int?, key: String?,
        seatsMax: Int = Limits.seatsPerHoldMax, nowMs: Int64, options: HoldOptions = HoldOptions(),
        newHoldID: () -> HoldID
    ) throws(SeatError) -> HoldDecision {
        if let key, let first = self.keys[key] {
            guard case .hold(let reply) = self.answer(first) else {
                throw .badRequest("key \(key) was used by another kind of request")
            }
            return .repeated(reply)
        }
        let ttl = ttlSeconds ?? self.config.ttlSeconds
        // The check captures the limit, not `self`: capturing the state copied it (a retain and a release of every
        // buffer it holds, per HOLD).
        let maxTTL = self.config.maxTTLSeconds
        let (seats, places) = try self.choose(
            customer: customer, selection, options, seatsMax: seatsMax, owned: 0,
            check: { () throws(SeatError) in
                guard ttl >= 1, ttl <= maxTTL else {
                    throw .limit("ttl \(ttl) is beyond the session's maxttl \(maxTTL)")
                }
            })
        return .held(
            HeldRecord(
                holdID: self.newID(newHoldID), customer: customer, seats: seats.map { Int32($0) }, createdAtMs: nowMs,
                expiresAtMs: nowMs + Int64(ttl) * 1_000, key: key, places: places))
    }

    /// Decides a SELL (since 1.1): HOLD's checks and choice, held and confirmed in one change.
    public func decideSell(
        customer: String, selection: SeatSelection, ref: String?, seatsMax: Int = Limits.seatsPerHoldMax,
        nowMs: Int64, options: HoldOptions = HoldOptions(), newHoldID: () -> HoldID
    ) throws(SeatError) -> SellDecision {
        let (seats, places) = try self.choose(customer: customer, selection, options, seatsMax: seatsMax, owned: 0)
        let record = HeldRecord(
            holdID: self.newID(newHoldID), customer: customer, seats: seats.map { Int32($0) },
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
        let (seats, places) = try self.choose(
            customer: hold.customer, selection, options, seatsMax: seatsMax,
            owned: hold.itemCount)
        return .added(id, seats: seats.map { Int32($0) }, places: places)
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
            return .change(
                .lateConfirmed(
                    HeldRecord(
                        holdID: id, customer: lapsed.customer, seats: lapsed.seats, createdAtMs: lapsed.createdAtMs,
                        expiresAtMs: lapsed.expiresAtMs, key: nil, places: lapsed.places), ref: ref))
        }
        let hold = try self.liveHold(id, nowMs: nowMs)
        if hold.isSold {
            return .repeated(HoldSeats(holdID: id, seats: self.labels(hold.seats), places: self.labels(hold.places)))
        }
        return .change(.confirmed(id, ref: ref))
    }

    /// Decides a RELEASE of a whole held hold: held -> free. A booking needs CANCEL.
    public func decideRelease(_ id: HoldID, nowMs: Int64) throws(SeatError) -> SessionChange {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard !hold.isSold else { throw .notHeld("hold \(id) is confirmed: use CANCEL") }
        return .released(id)
    }

    /// Decides a RELEASE of the listed items of a held hold (since 1.1); a hold left with none is forgotten when
    /// the change applies. A booking needs CANCEL.
    public func decideRelease(
        _ id: HoldID, seats labels: [SeatLabel], places named: [AreaPlaces] = [], nowMs: Int64
    )
        throws(SeatError) -> ReleaseItemsDecision
    {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard !hold.isSold else { throw .notHeld("hold \(id) is confirmed: use CANCEL") }
        let (indices, places) = try self.resolveExplicit(.explicit(labels), places: named)
        let outside = self.itemsOutside(hold, indices, places)
        guard outside.isEmpty else { throw .notHeld("not in hold \(id): " + outside.joined(separator: " ")) }
        return .releasedItems(id, seats: indices.map { Int32($0) }, places: places)
    }

    /// Decides a CANCEL of a whole booking (`seats` nil and no places) or of some of its seats and places.
    public func decideCancel(
        _ id: HoldID, seats labels: [SeatLabel]?, places named: [AreaPlaces] = [], nowMs: Int64
    )
        throws(SeatError) -> CancelDecision
    {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard hold.isSold else { throw .notHeld("hold \(id) is not confirmed: use RELEASE") }
        guard labels != nil || !named.isEmpty else { return .cancelled(id, seats: hold.seats, places: hold.places) }
        let (indices, places) = try self.resolveExplicit(.explicit(labels ?? []), places: named)
        let outside = self.itemsOutside(hold, indices, places)
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
}
