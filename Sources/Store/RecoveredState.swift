import SeatActors
import WAL

/// What recovery rebuilt: the halls and sessions after every valid record, and what the log reader found.
public struct RecoveredState: Sendable {
    /// Halls and sessions after every valid record.
    public var state: RegistryState
    /// Where the log ends and what was repaired.
    public var log: RecoveredLog

    /// The last LSN in the log (or the snapshot's, when the log holds nothing after it).
    public var lastLSN: LSN { self.log.lastLSN }
    /// Where the writer continues (see `RecoveredLog.tail`).
    public var tail: LogTail? { self.log.tail }
    /// Records replayed.
    public var records: Int { self.log.records }
    /// What recovery repaired, for a warning at start.
    public var repairs: [String] { self.log.repairs }
}

/// Replays batches into a `RegistryState`: decodes each batch's records (`RecordCodec`) and applies them.
struct RegistryStateSink: RecordSink {
    var state: RegistryState

    mutating func replay(
        _ payload: ArraySlice<UInt8>, count: Int, firstLSN: LSN, atMs: Int64, after afterLSN: LSN
    ) throws(ReplayError) -> Int {
        let records: [LogRecord]
        do { records = try RecordCodec.decodeAll(payload, count: count) } catch {
            throw .undecodable("\(error)")
        }
        var applied = 0
        for (index, record) in records.enumerated() where firstLSN + LSN(index) > afterLSN {
            let lsn = firstLSN + LSN(index)
            do { try self.state.apply(record, lsn: lsn, atMs: atMs) } catch {
                throw .doesNotApply(lsn: lsn, "\(error)")
            }
            applied += 1
        }
        return applied
    }
}

extension Recovery {
    /// Replays `directory`'s segments onto `state` (see `recover(directory:storage:into:afterLSN:throughLSN:repair:)`).
    public static func recover(
        directory: String, storage: any Storage = PosixStorage(), state: RegistryState = RegistryState(),
        afterLSN: LSN = 0, throughLSN: LSN? = nil, repair: Bool = true
    ) throws(WALError) -> RecoveredState {
        var sink = RegistryStateSink(state: state)
        let log = try Self.recover(
            directory: directory, storage: storage, into: &sink, afterLSN: afterLSN,
            throughLSN: throughLSN, repair: repair)
        return RecoveredState(state: sink.state, log: log)
    }
}
