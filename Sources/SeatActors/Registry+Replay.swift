/// A standby's registry: the records its primary logged, applied in LSN order with no log of their own (the
/// standby's log writes them: `LogWriter.appendReplicated`). What it ends with is what the primary's registry holds,
/// so a standby that takes over serves from it at once.
extension Registry {
    /// Applies one record the primary logged at `lsn` and `atMs`. Throws what recovery would refuse the record
    /// for (a session that exists, a change that does not apply); records already here are skipped.
    public func replay(_ record: LogRecord, lsn: LSN, atMs: Int64) async throws(SeatError) {
        switch record {
        case .hallCreated(let id, let rows, let parts):
            try self.replayHall(id: id, rows: rows, parts: parts)
        case .sessionCreated(let config):
            try self.replaySession(config, handle: lsn)
        case .sessionDropped(let handle):
            guard let session = self.session(handle: handle) else { return }
            await session.replayDrop(lsn: lsn)
            self.remove(session)
        case .change(let handle, let change):
            guard let session = self.session(handle: handle) else {
                throw .damaged("a change at LSN \(lsn) of session handle \(handle), which this registry lacks")
            }
            try await session.replay(change, lsn: lsn, atMs: atMs)
        }
    }
}
