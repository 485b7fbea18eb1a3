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

extension Registry {
    /// `replay(_:lsn:atMs:)` of a batch's records, without waiting: each run of one session's changes is queued on that session's
    /// executor (where its turns run in order), so a standby's connection applies its primary's batches without a
    /// task hop per session. A change that does not apply is reported to `failed` (on that executor). Once the
    /// standby stops taking batches, `SessionExecutor.execute` on every executor marks when they are all applied.
    public func dispatchReplay(
        _ records: [LogRecord], firstLSN: LSN, atMs: Int64, failed: @escaping @Sendable (SeatError) -> Void
    ) throws(SeatError) {
        var runs: [(session: Session, changes: [(change: SessionChange, lsn: LSN)])] = []
        func flush() {
            for (session, changes) in runs {
                session.executor.execute {
                    session.assumeIsolated { session in
                        do throws(SeatError) { try session.replay(changes, atMs: atMs) } catch { failed(error) }
                    }
                }
            }
            runs.removeAll()
        }
        for (index, record) in records.enumerated() {
            let lsn = firstLSN + LSN(index)
            switch record {
            case .change(let handle, let change):
                guard let session = self.session(handle: handle) else {
                    throw .damaged("a change at LSN \(lsn) of session handle \(handle), which this registry lacks")
                }
                if let last = runs.indices.last, runs[last].session === session {
                    runs[last].changes.append((change, lsn))
                } else if let index = runs.firstIndex(where: { $0.session === session }) {
                    // Runs of different sessions are independent: one turn per session per batch.
                    runs[index].changes.append((change, lsn))
                } else {
                    runs.append((session, [(change, lsn)]))
                }
            case .hallCreated(let id, let rows, let parts):
                flush()
                try self.replayHall(id: id, rows: rows, parts: parts)
            case .sessionCreated(let config):
                flush()
                try self.replaySession(config, handle: lsn)
            case .sessionDropped(let handle):
                flush()
                guard let session = self.session(handle: handle) else { continue }
                session.executor.execute { session.assumeIsolated { $0.replayDrop(lsn: lsn) } }
                self.remove(session)
            }
        }
        flush()
    }
}
