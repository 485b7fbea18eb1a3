import SeatActors
import WAL

/// A standby's registry fed with its primary's batches.
extension Registry {
    /// Replays one batch the primary wrote (`LogBatch`): its records decoded (`RecordCodec`) and applied at their
    /// LSNs and the batch's time (`replay(_:lsn:atMs:)`). A batch that does not decode, or a record that does not
    /// apply, throws `.damaged`; records already here are skipped.
    public func replay(_ batch: LogBatch) async throws(SeatError) {
        let records: [LogRecord]
        do {
            records = try RecordCodec.decodeAll(batch.payload[...], count: batch.recordEnds.count)
        } catch {
            throw .damaged("the batch at LSN \(batch.firstLSN) does not decode: \(error)")
        }
        for (index, record) in records.enumerated() {
            try await self.replay(record, lsn: batch.firstLSN + LSN(index), atMs: batch.atMs)
        }
    }
}

extension Registry {
    /// `replay(_: LogBatch)` without waiting (`dispatchReplay`): the standby's connection applies each batch as it
    /// logs it.
    public func dispatchReplay(_ batch: LogBatch, failed: @escaping @Sendable (SeatError) -> Void) throws(SeatError) {
        let records: [LogRecord]
        do {
            records = try RecordCodec.decodeAll(batch.payload[...], count: batch.recordEnds.count)
        } catch {
            throw .damaged("the batch at LSN \(batch.firstLSN) does not decode: \(error)")
        }
        try self.dispatchReplay(records, firstLSN: batch.firstLSN, atMs: batch.atMs, failed: failed)
    }
}
