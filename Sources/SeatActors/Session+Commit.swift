/// The mechanics every request shares: lazy expiry, logging, applying and publishing a change.
extension Session {
    /// Runs a change request: expires due holds (bounded) and the touched hold if it lapsed, then `body`.
    func perform<Value: Sendable>(
        touching holdID: HoldID? = nil, _ body: (Int64) throws(SeatError) -> Value
    ) -> SessionAnswer<Value> {
        if let droppedLSN { return self.answer(.failure(.noSuchSession(self.id)), through: droppedLSN) }
        if let refusal = self.log.refusal {
            return self.answer(.failure(.unavailable(refusal)), through: self.state.lastLSN)
        }
        let now = self.clock.nowMs()
        let result: Result<Value, SeatError>
        do {
            try self.expireDue(nowMs: now, max: Limits.expiredPerAccessMax)
            if let holdID, let hold = self.state.holds[holdID], hold.hasLapsed(at: now) {
                try self.commit(.expired(holdID))
            }
            result = .success(try body(now))
        } catch {
            result = .failure(error)
        }
        return self.answer(result, through: self.state.lastLSN)
    }

    /// Runs a change request that may carry an idempotency key: inside `perform`, forgets the keys whose lifetime
    /// ended, answers a key used already with its first reply (`SessionAnswer.repeated`, and as `Value` when `convert`
    /// can show it so), or runs `body`, whose `commit` logs the request's change with the key.
    func performKeyed<Value: Sendable>(
        key: String?, touching holdID: HoldID? = nil, convert: (KeyedAnswer) -> Value?,
        _ body: (Int64, _ commit: (SessionChange) throws(SeatError) -> Void) throws(SeatError) -> Value
    ) -> SessionAnswer<Value> {
        var repeated: KeyedAnswer? = nil
        var outcome = self.perform(touching: holdID) { now throws(SeatError) in
            try self.forgetDueKeys(nowMs: now)
            if let key, let answer = self.state.answer(forKey: key) {
                repeated = answer
                guard let value = convert(answer) else {
                    throw .badRequest("key \(key) was used by another kind of request")
                }
                return value
            }
            return try body(now) { change throws(SeatError) in
                guard let key else { return try self.commit(change) }
                try self.makeRoomForKey()
                // A HOLD's record carries its key itself (v1's form); every other change is wrapped.
                if case .held(let record) = change, record.key == key { return try self.commit(change) }
                try self.commit(.keyed(key: key, atMs: now, change))
            }
        }
        outcome.repeated = repeated
        return outcome
    }

    /// Forgets the keys whose `keyttl` has passed (a logged change: replay forgets them at the same point).
    func forgetDueKeys(nowMs: Int64) throws(SeatError) {
        let due = self.inPlace { $0.keysDue(nowMs: nowMs, max: Limits.keysForgottenPerSweepMax) }
        if due > 0 { try self.commit(.keysForgotten(count: due)) }
    }

    /// Forgets the oldest keys so that one more fits under the session's key limit.
    private func makeRoomForKey() throws(SeatError) {
        let over = self.state.keyCount - self.keysMax + 1
        if over > 0 { try self.commit(.keysForgotten(count: over)) }
    }

    /// Runs a read of the current state.
    func read<Value: Sendable>(_ body: (SessionState) -> Value) -> SessionAnswer<Value> {
        if let droppedLSN { return self.answer(.failure(.noSuchSession(self.id)), through: droppedLSN) }
        return self.answer(.success(body(self.state)), through: self.state.lastLSN)
    }

    /// Expires up to `max` lapsed holds, each as its own logged change.
    @discardableResult
    func expireDue(nowMs: Int64, max: Int) throws(SeatError) -> Int {
        var expired = 0
        while expired < max, let id = self.state.dueExpiry(nowMs: nowMs) {
            try self.commit(.expired(id))
            expired += 1
        }
        return expired
    }

    /// Logs `change`, applies it and retains and publishes its event, without suspending. The event is computed
    /// once, from the state before the change; the log posts it under its lock, in LSN order, and it is handed to
    /// subscribers once the lock is released.
    /// The log's `publish` posts the event once the log has given it an LSN, under the log's lock: it runs for
    /// every event, and posts only while anyone listens; a subscriber registered under that lock
    /// (`withAppendsHeld`) gets every event after the LSN it was given.
    func commit(_ change: SessionChange) throws(SeatError) {
        let event = self.inPlace { $0.event(of: change) }
        let appended = try self.log.append(.change(self.handle, change)) { appended in
            if let event { self.post(event, lsn: appended.lsn, atMs: appended.atMs) }
        }
        self.hub.deliver()
        self.inPlace { $0.apply(change, lsn: appended.lsn, atMs: appended.atMs, event: event) }
    }

    /// Posts `event`, logged at `lsn` and `atMs`, to the hub while anyone listens (the hub hands it out on
    /// `deliver`).
    nonisolated func post(_ event: SessionEvent, lsn: LSN, atMs: Int64) {
        guard self.hub.hasSubscribers else { return }
        var event = event
        (event.seq, event.atMs) = (lsn, atMs)
        self.hub.post(PublishedEvent(event, session: self))
    }

    /// The answer `result`, whose reply waits for the changes through `lsn`: the log issues its token.
    func answer<Value>(_ result: Result<Value, SeatError>, through lsn: LSN) -> SessionAnswer<Value> {
        SessionAnswer(result, token: self.log.token(through: lsn))
    }

    /// A non-zero hold id from `ids`.
    static func holdID(from ids: any HoldIDSource) -> HoldID {
        var raw = ids.next()
        while raw == 0 { raw = ids.next() }
        return HoldID(raw: raw)
    }

    /// Runs `body` on the state in place. Calling the state's non-mutating methods as `self.state.method()` made
    /// the compiler copy the whole struct for each call (a retain and a release of every buffer it holds, seen at
    /// ~2% of the request path in a profile); through `inout` the call borrows it.
    /// One function for throwing and non-throwing bodies: a body that cannot throw has `Failure` `Never`.
    @inline(__always)
    func inPlace<Value, Failure: Error>(
        _ body: (inout SessionState) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        try body(&self.state)
    }
}
