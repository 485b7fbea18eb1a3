/// One session (a showing of a hall) as an actor: the thin shell around `SessionState` that owns the clock, the
/// id source and the log. Each method finishes without suspending: decide, append to the log (no await), apply,
/// publish. Replies wait for durability outside the actor, so the actor never idles on a disk.
///
/// The actor runs on the `SessionExecutor` it is given (in the server, an event loop): the server's connections on
/// that loop call it synchronously (`assumeIsolated`), with no thread switch between reading a request and
/// executing it.
public actor Session {
    /// Where the session's turns run.
    public nonisolated let executor: any SessionExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { self.executor.asUnownedSerialExecutor() }
    public nonisolated let id: String
    public nonisolated let handle: SessionHandle
    public nonisolated let hall: Hall
    var state: SessionState
    /// The LSN of the session's drop record, once dropped: a NO_SUCH_SESSION from here waits for it to be durable.
    var droppedLSN: LSN?
    var dropped: Bool { self.droppedLSN != nil }
    let log: any ChangeLog
    let hub: EventHub
    let clock: any WallClock
    let ids: any HoldIDSource
    /// Idempotency keys the session remembers at most (`limits.keys_per_session`); past it the oldest go.
    let keysMax: Int

    /// Wraps a state (new or recovered).
    public init(
        state: SessionState, log: any ChangeLog, hub: EventHub, clock: any WallClock, ids: any HoldIDSource,
        keysMax: Int = Limits.keysPerSessionDefault, executor: any SessionExecutor = QueueExecutor()
    ) {
        self.executor = executor
        self.keysMax = max(keysMax, 1)
        self.id = state.id
        self.handle = state.handle
        self.hall = state.hall
        self.state = state
        self.log = log
        self.hub = hub
        self.clock = clock
        self.ids = ids
    }

    // MARK: Changes

    /// HOLD: explicit seats, BEST n or ANY n; all or nothing. `seatsMax` is the server's configured seats-per-hold limit (at most `Limits.seatsPerHoldMax`).
    public func hold(
        customer: String, selection: SeatSelection, ttlSeconds: Int? = nil, key: String? = nil,
        seatsMax: Int = Limits.seatsPerHoldMax, options: HoldOptions = HoldOptions()
    ) -> Outcome<HoldReply> {
        self.performKeyed(key: key, convert: { if case .hold(let reply) = $0 { reply } else { nil } }) { now, commit throws(SeatError) in
            for lapsed in self.inPlace({ $0.lapsedOwners(of: selection, nowMs: now) }) { try self.commit(.expired(lapsed)) }
            let decision: SessionState.HoldDecision
            do throws(SeatError) {
                decision = try self.decideHold(customer, selection, ttlSeconds, key, seatsMax, options, now)
            } catch {
                // Lapsed holds past the per-access budget may be what blocks BEST/ANY: expire them all, retry.
                guard error.isShortage, self.state.dueExpiry(nowMs: now) != nil else { throw error }
                try self.expireDue(nowMs: now, max: Int.max)
                decision = try self.decideHold(customer, selection, ttlSeconds, key, seatsMax, options, now)
            }
            switch decision {
            case .repeated(let reply):
                return reply
            case .change(let change):
                guard case .held(let record) = change else { preconditionFailure("HOLD decided \(change)") }
                try commit(change)
                return HoldReply(holdID: record.holdID, expiresAtMs: record.expiresAtMs,
                                 seats: self.inPlace { $0.labels(record.seats) },
                                 places: self.inPlace { $0.labels(record.places) })
            }
        }
    }

    private func decideHold(
        _ customer: String, _ selection: SeatSelection, _ ttlSeconds: Int?, _ key: String?, _ seatsMax: Int,
        _ options: HoldOptions, _ now: Int64
    ) throws(SeatError) -> SessionState.HoldDecision {
        let ids = self.ids
        return try self.inPlace { state throws(SeatError) in
            try state.decideHold(
                customer: customer, selection: selection, ttlSeconds: ttlSeconds, key: key, seatsMax: seatsMax,
                nowMs: now, options: options, newHoldID: { Session.holdID(from: ids) })
        }
    }

    /// ADD (since 1.1): items join a live held hold, all or nothing; its expiry stays. Replies with every item.
    public func add(
        _ holdID: HoldID, selection: SeatSelection, key: String? = nil, seatsMax: Int = Limits.seatsPerHoldMax,
        options: HoldOptions = HoldOptions()
    ) -> Outcome<HoldReply> {
        self.performKeyed(key: key, touching: holdID, convert: { if case .hold(let reply) = $0 { reply } else { nil } }) { now, commit throws(SeatError) in
            for lapsed in self.inPlace({ $0.lapsedOwners(of: selection, nowMs: now) }) where lapsed != holdID {
                try self.commit(.expired(lapsed))
            }
            let change = try self.inPlace { state throws(SeatError) in
                try state.decideAdd(holdID, selection: selection, seatsMax: seatsMax, nowMs: now, options: options)
            }
            try commit(change)
            return self.inPlace { state in
                let hold = state.holds[holdID]!
                return HoldReply(holdID: holdID, expiresAtMs: hold.expiresAtMs, seats: state.labels(hold.seats),
                                 places: state.labels(hold.places))
            }
        }
    }

    /// SELL (since 1.1): HOLD and CONFIRM in one change (box office, comps). Replies with the new booking's items.
    public func sell(
        customer: String, selection: SeatSelection, ref: String? = nil, key: String? = nil,
        seatsMax: Int = Limits.seatsPerHoldMax, options: HoldOptions = HoldOptions()
    ) -> Outcome<HoldSeats> {
        self.performKeyed(key: key, convert: { if case .items(let reply) = $0 { reply } else { nil } }) { now, commit throws(SeatError) in
            for lapsed in self.inPlace({ $0.lapsedOwners(of: selection, nowMs: now) }) { try self.commit(.expired(lapsed)) }
            let ids = self.ids
            let decide = { () throws(SeatError) -> SessionChange in
                try self.inPlace { state throws(SeatError) in
                    try state.decideSell(customer: customer, selection: selection, ref: ref, seatsMax: seatsMax, nowMs: now,
                                         options: options, newHoldID: { Session.holdID(from: ids) })
                }
            }
            let change: SessionChange
            do throws(SeatError) { change = try decide() } catch {
                guard error.isShortage, self.state.dueExpiry(nowMs: now) != nil else { throw error }
                try self.expireDue(nowMs: now, max: Int.max)
                change = try decide()
            }
            guard case .sold(let record, _) = change else { preconditionFailure("SELL decided \(change)") }
            try commit(change)
            return self.inPlace { HoldSeats(holdID: record.holdID, seats: $0.labels(record.seats), places: $0.labels(record.places)) }
        }
    }

    /// EXTEND: new expiry = now + ttl.
    public func extend(_ holdID: HoldID, ttlSeconds: Int, key: String? = nil) -> Outcome<Extension> {
        self.performKeyed(key: key, touching: holdID, convert: { if case .extended(let reply) = $0 { reply } else { nil } }) { now, commit throws(SeatError) in
            let change = try self.inPlace { state throws(SeatError) in try state.decideExtend(holdID, ttlSeconds: ttlSeconds, nowMs: now) }
            try commit(change)
            return Extension(holdID: holdID, expiresAtMs: self.state.holds[holdID]!.expiresAtMs)
        }
    }

    /// CONFIRM: held -> sold; a repeat gets the same reply. With the session's grace, a hold that lapsed lately is
    /// sold after all while its items are free.
    public func confirm(_ holdID: HoldID, ref: String? = nil, key: String? = nil) -> Outcome<HoldSeats> {
        self.performKeyed(key: key, touching: holdID, convert: { if case .items(let reply) = $0 { reply } else { nil } }) { now, commit throws(SeatError) in
            switch try self.inPlace({ state throws(SeatError) in try state.decideConfirm(holdID, ref: ref, nowMs: now) }) {
            case .repeated(let reply):
                return reply
            case .change(let change):
                try commit(change)
                return self.inPlace { HoldSeats(holdID: holdID, seats: $0.labels($0.holds[holdID]!.seats),
                                                places: $0.labels($0.holds[holdID]!.places)) }
            }
        }
    }

    /// RELEASE: held -> free; the hold is forgotten.
    public func release(_ holdID: HoldID, key: String? = nil) -> Outcome<HoldID> {
        self.performKeyed(key: key, touching: holdID, convert: { if case .released(let id) = $0 { id } else { nil } }) { now, commit throws(SeatError) in
            try commit(try self.inPlace { state throws(SeatError) in try state.decideRelease(holdID, nowMs: now) })
            return holdID
        }
    }

    /// RELEASE of some items of a held hold (since 1.1); a hold left with none is forgotten. Replies with them.
    public func release(_ holdID: HoldID, seats: [SeatLabel], places: [AreaPlaces] = [], key: String? = nil)
        -> Outcome<HoldSeats>
    {
        self.performKeyed(key: key, touching: holdID, convert: { if case .items(let reply) = $0 { reply } else { nil } }) { now, commit throws(SeatError) in
            let change = try self.inPlace { state throws(SeatError) in
                try state.decideRelease(holdID, seats: seats, places: places, nowMs: now)
            }
            guard case .releasedItems(_, let released, let releasedPlaces) = change else {
                preconditionFailure("RELEASE of items decided \(change)")
            }
            try commit(change)
            return self.inPlace { HoldSeats(holdID: holdID, seats: $0.labels(released), places: $0.labels(releasedPlaces)) }
        }
    }

    /// CANCEL: sold -> free, the whole booking or the listed seats and places of it.
    public func cancel(_ holdID: HoldID, seats: [SeatLabel]? = nil, places: [AreaPlaces] = [], key: String? = nil)
        -> Outcome<HoldSeats>
    {
        self.performKeyed(key: key, touching: holdID, convert: { if case .items(let reply) = $0 { reply } else { nil } }) { now, commit throws(SeatError) in
            let change = try self.inPlace { state throws(SeatError) in
                try state.decideCancel(holdID, seats: seats, places: places, nowMs: now)
            }
            guard case .cancelled(_, let cancelled, let cancelledPlaces) = change else {
                preconditionFailure("CANCEL decided \(change)")
            }
            try commit(change)
            return self.inPlace { HoldSeats(holdID: holdID, seats: $0.labels(cancelled), places: $0.labels(cancelledPlaces)) }
        }
    }

    /// BLOCK (`block` true) or UNBLOCK of seats; returns them in hall order.
    public func block(_ seats: [SeatLabel], _ block: Bool) -> Outcome<[SeatLabel]> {
        self.perform { _ throws(SeatError) in
            let change = try self.inPlace { state throws(SeatError) in try state.decideBlock(seats, block: block) }
            try self.commit(change)
            return self.inPlace { $0.labels(change.seatIndices) }
        }
    }

    /// RESERVE for `channel`, or UNRESERVE (nil); returns the seats in hall order.
    public func reserve(_ seats: [SeatLabel], for channel: String?) -> Outcome<[SeatLabel]> {
        self.perform { _ throws(SeatError) in
            let change = try self.inPlace { state throws(SeatError) in try state.decideReserve(seats, channel: channel) }
            try self.commit(change)
            return self.inPlace { $0.labels(change.seatIndices) }
        }
    }

    /// A change naming a hold by a token of a form the server never issues: `NO_SUCH_HOLD`, after the checks every
    /// change makes (a dropped session, an unavailable log).
    public func noSuchHold(_ token: String) -> Outcome<Void> {
        self.perform { _ throws(SeatError) in throw .noSuchHold(token) }
    }

    /// Expires up to `max` lapsed holds; returns how many. The sweeper calls this about every tick.
    /// Also forgets the keys whose lifetime ended.
    @discardableResult
    public func sweep(max: Int = Limits.expiredPerSweepMax) -> Int {
        guard !self.dropped, self.log.refusal == nil else { return 0 }
        let now = self.clock.nowMs()
        try? self.forgetDueKeys(nowMs: now)
        return (try? self.expireDue(nowMs: now, max: max)) ?? 0
    }

    // MARK: Reads

    /// AVAIL.
    public func counts() -> Outcome<SeatCounts> { self.read { $0.counts } }

    /// AVAIL of one part of the hall (since 1.1).
    public func counts(of part: SessionState.Part) -> Outcome<SeatCounts> {
        if let droppedLSN { return Outcome(.failure(.noSuchSession(self.id)), lsn: droppedLSN) }
        do { return Outcome(.success(try self.state.counts(of: part)), lsn: self.state.lastLSN) } catch {
            return Outcome(.failure(error), lsn: self.state.lastLSN)
        }
    }

    /// MAP, by row.
    public func map() -> Outcome<[(row: String, states: String)]> { self.read { $0.mapRows() } }

    /// MAP with the area tokens after the rows (since 1.1; empty without areas).
    public func mapWithAreas() -> Outcome<(rows: [(row: String, states: String)], areas: [String])> {
        self.read { ($0.mapRows(), $0.mapAreas()) }
    }

    /// LIST: a customer's live holds and bookings, oldest first.
    public func list(customer: String) -> Outcome<[CustomerHold]> { self.read { $0.list(customer: customer) } }

    /// The retained events with `from <= seq <= through`, at most `limit`; nil once the session was dropped.
    public func history(from: LSN, through: LSN = .max, limit: Int = .max) -> SessionState.HistoryRange? {
        self.dropped ? nil : self.inPlace { $0.history(from: from, through: through, limit: limit) }
    }

    /// HISTORY (since 1.1): the retained events of one hold, oldest first (none for nil: a token no hold has).
    public func history(of hold: HoldID?) -> Outcome<[ChangeEvent]> {
        self.read { state in state.history.filter { hold != nil && $0.holdID == hold }.map { ChangeEvent($0, session: self.id, hall: self.hall) } }
    }

    /// HISTORY (since 1.1): the retained events that touched a seat.
    public func history(ofSeat label: SeatLabel) -> Outcome<[ChangeEvent]> {
        guard let seat = self.hall.index(of: label) else {
            return Outcome(.failure(.noSuchSeat([label])), lsn: self.state.lastLSN)
        }
        return self.read { state in
            state.history.filter { $0.touches(seat: Int32(seat)) }.map { ChangeEvent($0, session: self.id, hall: self.hall) }
        }
    }

    /// HISTORY (since 1.1): the retained events that took or returned places of a GA area.
    public func history(ofArea name: String) -> Outcome<[ChangeEvent]> {
        guard let area = self.hall.area(named: name) else {
            return Outcome(.failure(.noSuchSeat([], areas: [name])), lsn: self.state.lastLSN)
        }
        return self.read { state in
            state.history.filter { $0.touches(area: area) }.map { ChangeEvent($0, session: self.id, hall: self.hall) }
        }
    }

    /// A copy of the whole state (tests). Copy-on-write: O(1) here, the copy happens at the next change.
    public func snapshot() -> SessionState { self.state }

    /// The image a snapshot stores, or nil once dropped (its drop record may already be covered).
    public func image() -> SessionState? { self.dropped ? nil : self.state }

    /// Confirmations over the session's life.
    public func confirmsTotal() -> Int { self.state.confirmsTotal }

    /// Marks the session dropped and logs it; later requests answer NO_SUCH_SESSION.
    func drop() throws(SeatError) -> LSN {
        guard !self.dropped else { throw .noSuchSession(self.id) }
        let lsn = try self.log.append(.sessionDropped(self.handle), publish: nil).lsn
        self.droppedLSN = lsn
        return lsn
    }
}
