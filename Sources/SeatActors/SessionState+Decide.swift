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

    /// Decides a HOLD. Checks, in order: a used key (repeat its reply), seats exist, seats per hold, ttl,
    /// the customer's limit, then availability (`.taken` names every unavailable seat).
    public func decideHold(
        customer: String, selection: SeatSelection, ttlSeconds: Int?, key: String?,
        seatsMax: Int = Limits.seatsPerHoldMax, nowMs: Int64, newHoldID: () -> HoldID
    ) throws(SeatError) -> HoldDecision {
        if let key, let first = self.keys[key] {
            return .repeated(HoldReply(holdID: first.holdID, expiresAtMs: first.expiresAtMs,
                                       seats: self.labels(first.seats)))
        }
        let explicit = try self.resolveExplicit(selection)
        guard selection.count >= 1 else { throw .badRequest("a hold needs at least one seat") }
        let seatsMax = min(seatsMax, Limits.seatsPerHoldMax)
        guard selection.count <= seatsMax else {
            throw .limit("at most \(seatsMax) seats per hold")
        }
        let ttl = ttlSeconds ?? self.config.ttlSeconds
        guard ttl >= 1, ttl <= self.config.maxTTLSeconds else {
            throw .limit("ttl \(ttl) is beyond the session's maxttl \(self.config.maxTTLSeconds)")
        }
        if let limit = self.config.customerSeatsMax {
            let owned = self.seatsByCustomer[customer] ?? 0
            guard owned + selection.count <= limit else {
                throw .limit("customer \(customer) has \(owned) of at most \(limit) seats")
            }
        }
        let seats: [Int]
        switch selection {
        case .explicit:
            let taken = explicit.filter { !self.seats.isFree($0) }
            guard taken.isEmpty else { throw .taken(taken.map { self.hall.label(of: $0) }) }
            seats = explicit
        case .best(let count): seats = try self.seats.bestBlock(of: count, in: self.hall)
        case .any(let count): seats = try self.seats.anySeats(count, in: self.hall)
        }
        var id = newHoldID()
        while self.holds[id] != nil || self.expiredIDs.contains(id) { id = newHoldID() }
        let record = HeldRecord(
            holdID: id, customer: customer, seats: seats.map { Int32($0) }, createdAtMs: nowMs,
            expiresAtMs: nowMs + Int64(ttl) * 1_000, key: key)
        return .change(.held(record))
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

    /// Decides a CONFIRM: held -> sold; a booking already confirmed gets the same reply again.
    public func decideConfirm(_ id: HoldID, ref: String?, nowMs: Int64) throws(SeatError) -> ConfirmDecision {
        let hold = try self.liveHold(id, nowMs: nowMs)
        if hold.isSold { return .repeated(HoldSeats(holdID: id, seats: self.labels(hold.seats))) }
        return .change(.confirmed(id, ref: ref))
    }

    /// Decides a RELEASE: held -> free. A booking needs CANCEL.
    public func decideRelease(_ id: HoldID, nowMs: Int64) throws(SeatError) -> SessionChange {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard !hold.isSold else { throw .notHeld("hold \(id) is confirmed: use CANCEL") }
        return .released(id)
    }

    /// Decides a CANCEL of a whole booking (`seats` nil) or of some of its seats.
    public func decideCancel(_ id: HoldID, seats labels: [SeatLabel]?, nowMs: Int64) throws(SeatError)
        -> SessionChange
    {
        let hold = try self.liveHold(id, nowMs: nowMs)
        guard hold.isSold else { throw .notHeld("hold \(id) is not confirmed: use RELEASE") }
        guard let labels else { return .cancelled(id, seats: hold.seats) }
        let indices = try self.resolveExplicit(.explicit(labels))
        let outside = indices.filter { !hold.seats.contains(Int32($0)) }
        guard outside.isEmpty else {
            throw .notHeld("not in booking \(id): " + outside.map { self.hall.label(of: $0).description }
                .joined(separator: " "))
        }
        return .cancelled(id, seats: indices.map { Int32($0) })
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

    /// Dense indices of explicit seats, ascending; `.noSuchSeat` lists every seat the hall lacks,
    /// `.badRequest` a seat named twice. Empty for BEST and ANY.
    private func resolveExplicit(_ selection: SeatSelection) throws(SeatError) -> [Int] {
        guard case .explicit(let labels) = selection else { return [] }
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
        guard missing.isEmpty else { throw .noSuchSeat(missing) }
        indices.sort()
        return indices
    }
}
