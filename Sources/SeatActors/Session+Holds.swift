/// Changes to a hold that exists: EXTEND, CONFIRM, RELEASE (whole or some items) and CANCEL.
extension Session {
    /// EXTEND: new expiry = now + ttl.
    public func extend(_ holdID: HoldID, ttlSeconds: Int, key: String? = nil) -> SessionAnswer<Extension> {
        self.performKeyed(key: key, touching: holdID, convert: \.asExtended) { now, commit throws(SeatError) in
            let change = try self.inPlace { state throws(SeatError) in
                try state.decideExtend(holdID, ttlSeconds: ttlSeconds, nowMs: now)
            }
            try commit(change)
            return Extension(holdID: holdID, expiresAtMs: self.state.holds[holdID]!.expiresAtMs)
        }
    }

    /// CONFIRM: held -> sold; a repeat gets the same reply. With the session's grace, a hold that lapsed lately is
    /// sold after all while its items are free.
    public func confirm(_ holdID: HoldID, ref: String? = nil, key: String? = nil) -> SessionAnswer<HoldSeats> {
        self.performKeyed(key: key, touching: holdID, convert: \.asItems) { now, commit throws(SeatError) in
            let decision = try self.inPlace { state throws(SeatError) in
                try state.decideConfirm(holdID, ref: ref, nowMs: now)
            }
            switch decision {
            case .repeated(let reply):
                return reply
            case .change(let change):
                try commit(change)
                return self.inPlace {
                    HoldSeats(
                        holdID: holdID, seats: $0.labels($0.holds[holdID]!.seats),
                        places: $0.labels($0.holds[holdID]!.places))
                }
            }
        }
    }

    /// RELEASE: held -> free; the hold is forgotten.
    public func release(_ holdID: HoldID, key: String? = nil) -> SessionAnswer<HoldID> {
        self.performKeyed(key: key, touching: holdID, convert: \.asReleased) { now, commit throws(SeatError) in
            try commit(try self.inPlace { state throws(SeatError) in try state.decideRelease(holdID, nowMs: now) })
            return holdID
        }
    }

    /// RELEASE of some items of a held hold (since 1.1); a hold left with none is forgotten. Replies with them.
    public func release(
        _ holdID: HoldID, seats: [SeatLabel], places: [AreaPlaces] = [], key: String? = nil
    )
        -> SessionAnswer<HoldSeats>
    {
        self.performKeyed(key: key, touching: holdID, convert: \.asItems) { now, commit throws(SeatError) in
            let decision = try self.inPlace { state throws(SeatError) in
                try state.decideRelease(holdID, seats: seats, places: places, nowMs: now)
            }
            try commit(decision.change)
            switch decision {
            case .releasedItems(_, let released, let releasedPlaces):
                return self.inPlace {
                    HoldSeats(holdID: holdID, seats: $0.labels(released), places: $0.labels(releasedPlaces))
                }
            }
        }
    }

    /// CANCEL: sold -> free, the whole booking or the listed seats and places of it.
    public func cancel(
        _ holdID: HoldID, seats: [SeatLabel]? = nil, places: [AreaPlaces] = [], key: String? = nil
    )
        -> SessionAnswer<HoldSeats>
    {
        self.performKeyed(key: key, touching: holdID, convert: \.asItems) { now, commit throws(SeatError) in
            let decision = try self.inPlace { state throws(SeatError) in
                try state.decideCancel(holdID, seats: seats, places: places, nowMs: now)
            }
            try commit(decision.change)
            switch decision {
            case .cancelled(_, let cancelled, let cancelledPlaces):
                return self.inPlace {
                    HoldSeats(holdID: holdID, seats: $0.labels(cancelled), places: $0.labels(cancelledPlaces))
                }
            }
        }
    }
}
