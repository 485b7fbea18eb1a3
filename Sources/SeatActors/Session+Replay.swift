/// A standby's path: changes its primary decided and logged, applied here at the primary's LSNs and times.
extension Session {
    /// Applies `change`, logged by the primary at `lsn` and `atMs`: checked as recovery checks a record, applied
    /// through the same `apply`, its event retained (and handed to any subscriber). A change at or below the
    /// session's last LSN is one it has already.
    public func replay(_ change: SessionChange, lsn: LSN, atMs: Int64) throws(SeatError) {
        try self.replay([(change, lsn)], atMs: atMs)
    }

    /// Applies a run of changes logged one after another at `atMs` (one turn of the session for a batch's run).
    public func replay(_ changes: [(change: SessionChange, lsn: LSN)], atMs: Int64) throws(SeatError) {
        var posted = false
        for (change, lsn) in changes where lsn > self.state.lastLSN {
            try self.inPlace { state throws(SeatError) in try state.validate(change, lsn: lsn) }
            let event = self.inPlace { $0.event(of: change) }
            self.inPlace { $0.apply(change, lsn: lsn, atMs: atMs, event: event) }
            guard let event else { continue }
            self.post(event, lsn: lsn, atMs: atMs)
            posted = true
        }
        if posted { self.hub.deliver() }
    }

    /// The primary dropped the session at `lsn`: later requests answer NO_SUCH_SESSION, as after a `drop()`.
    public func replayDrop(lsn: LSN) {
        guard !self.dropped else { return }
        self.droppedLSN = lsn
    }
}
