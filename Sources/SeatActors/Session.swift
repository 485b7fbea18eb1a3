/// One session (a showing of a hall) as an actor: the thin shell around `SessionState` that owns the clock, the
/// id source and the log. Each method finishes without suspending: decide, append to the log (no await), apply,
/// publish. Replies wait for durability outside the actor, so the actor never idles on a disk.
///
/// The actor runs on the `SessionExecutor` it is given (in the server, an event loop): the server's connections on
/// that loop call it synchronously (`Dispatcher.runInTurn`), with no thread switch between reading a request and
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

    /// HOLD: explicit seats, BEST n or ANY n; all or nothing. `seatsMax` is the server's configured seats-per-hold
    /// limit (at most `Limits.seatsPerHoldMax`).
    public func hold(
        customer: String, selection: SeatSelection, ttlSeconds: Int? = nil, key: String? = nil,
        seatsMax: Int = Limits.seatsPerHoldMax, options: HoldOptions = HoldOptions()
    ) -> SessionAnswer<HoldReply> {
        self.performKeyed(key: key, convert: \.asHold) { now, commit throws(SeatError) in
            try self.expireLapsedOwners(of: selection, nowMs: now)
            let decision = try self.retryingShortage(nowMs: now) { () throws(SeatError) in
                try self.decideHold(customer, selection, ttlSeconds, key, seatsMax, options, now)
            }
            switch decision {
            case .repeated(let reply):
                return reply
            case .held(let record):
                try commit(.held(record))
                return HoldReply(
                    holdID: record.holdID, expiresAtMs: record.expiresAtMs,
                    seats: self.inPlace { $0.labels(record.seats, reusing: selection) },
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
    ) -> SessionAnswer<HoldReply> {
        self.performKeyed(key: key, touching: holdID, convert: \.asHold) { now, commit throws(SeatError) in
            for lapsed in self.inPlace({ $0.lapsedOwners(of: selection, nowMs: now) }) where lapsed != holdID {
                try self.commit(.expired(lapsed))
            }
            let change = try self.inPlace { state throws(SeatError) in
                try state.decideAdd(holdID, selection: selection, seatsMax: seatsMax, nowMs: now, options: options)
            }
            try commit(change)
            return self.inPlace { state in
                let hold = state.holds[holdID]!
                return HoldReply(
                    holdID: holdID, expiresAtMs: hold.expiresAtMs, seats: state.labels(hold.seats),
                    places: state.labels(hold.places))
            }
        }
    }

    /// SELL (since 1.1): HOLD and CONFIRM in one change (box office, comps). Replies with the new booking's items.
    public func sell(
        customer: String, selection: SeatSelection, ref: String? = nil, key: String? = nil,
        seatsMax: Int = Limits.seatsPerHoldMax, options: HoldOptions = HoldOptions()
    ) -> SessionAnswer<HoldSeats> {
        self.performKeyed(key: key, convert: \.asItems) { now, commit throws(SeatError) in
            try self.expireLapsedOwners(of: selection, nowMs: now)
            let ids = self.ids
            let decision = try self.retryingShortage(nowMs: now) { () throws(SeatError) in
                try self.inPlace { state throws(SeatError) in
                    try state.decideSell(
                        customer: customer, selection: selection, ref: ref, seatsMax: seatsMax,
                        nowMs: now, options: options, newHoldID: { Session.holdID(from: ids) })
                }
            }
            try commit(decision.change)
            switch decision {
            case .sold(let record, _):
                return self.inPlace {
                    HoldSeats(holdID: record.holdID, seats: $0.labels(record.seats), places: $0.labels(record.places))
                }
            }
        }
    }

    /// Expires the lapsed holds of the seats `selection` names, before deciding a HOLD or a SELL.
    private func expireLapsedOwners(of selection: SeatSelection, nowMs: Int64) throws(SeatError) {
        for lapsed in self.inPlace({ $0.lapsedOwners(of: selection, nowMs: nowMs) }) {
            try self.commit(.expired(lapsed))
        }
    }

    /// Runs `decide`; if too few seats were free and lapsed holds are due beyond the per-access budget (they may be
    /// what blocks BEST/ANY), expires them all and decides again.
    private func retryingShortage<Decision>(
        nowMs: Int64, _ decide: () throws(SeatError) -> Decision
    ) throws(SeatError) -> Decision {
        do throws(SeatError) {
            return try decide()
        } catch {
            guard error.isShortage, self.state.dueExpiry(nowMs: nowMs) != nil else { throw error }
            try self.expireDue(nowMs: nowMs, max: Int.max)
            return try decide()
        }
    }

    /// BLOCK (`block` true) or UNBLOCK of seats; returns them in hall order.
    public func block(_ seats: [SeatLabel], _ block: Bool) -> SessionAnswer<[SeatLabel]> {
        self.perform { _ throws(SeatError) in
            let change = try self.inPlace { state throws(SeatError) in try state.decideBlock(seats, block: block) }
            try self.commit(change)
            return self.inPlace { $0.labels(change.seatIndices) }
        }
    }

    /// RESERVE for `channel`, or UNRESERVE (nil); returns the seats in hall order.
    public func reserve(_ seats: [SeatLabel], for channel: String?) -> SessionAnswer<[SeatLabel]> {
        self.perform { _ throws(SeatError) in
            let change = try self.inPlace { state throws(SeatError) in
                try state.decideReserve(seats, channel: channel)
            }
            try self.commit(change)
            return self.inPlace { $0.labels(change.seatIndices) }
        }
    }

    /// A change naming a hold by a token of a form the server never issues: `NO_SUCH_HOLD`, after the checks every
    /// change makes (a dropped session, an unavailable log).
    public func noSuchHold(_ token: String) -> SessionAnswer<Void> {
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

    /// Marks the session dropped and logs it; later requests answer NO_SUCH_SESSION.
    func drop() throws(SeatError) -> LSN {
        guard !self.dropped else { throw .noSuchSession(self.id) }
        let lsn = try self.log.append(.sessionDropped(self.handle)).lsn
        self.droppedLSN = lsn
        return lsn
    }
}
