import SeatActors
import WAL

/// What a shard's primary and standby do with their logs (`docs/cluster.md`, "Replication"): the standby appends
/// the primary's batches and applies them to its registry; the primary reads its log back (or takes a snapshot)
/// for a standby that is behind; a standby that cannot continue its log from the primary's installs the primary's
/// snapshot in place of its own state.
extension LogService {
    /// A standby's append of a batch its primary wrote: queued in the log here at the same LSNs, then applied to the
    /// registry. `stored` is called once the batch is durable here (true) or the log failed first (false), on the
    /// log's thread: it is registered before the registry applies the batch, so the acknowledgement does not wait
    /// for that.
    public func appendReplicated(
        _ batch: LogBatch, stored: @escaping @Sendable (Bool) -> Void = { _ in }
    ) async throws(SeatError) {
        try await self.logReplicated(batch, stored: stored).replay(batch)
    }

    /// The first half of `appendReplicated`, which never waits: queues the batch in the log and returns the
    /// registry to apply it to (in LSN order, after every batch logged before it).
    public func logReplicated(
        _ batch: LogBatch, stored: @escaping @Sendable (Bool) -> Void
    ) throws(SeatError) -> Registry {
        let (registry, writer) = self.generation.withLock { ($0.registry, $0.writer) }
        guard let writer else { throw .unavailable(self.unavailableReason ?? "the log is unavailable") }
        do { try writer.appendReplicated(batch) } catch { throw error.seatError }
        let last = batch.lastLSN
        writer.whenDurable(through: last) {
            if case .success(true) = writer.durability(through: last) { stored(true) } else { stored(false) }
        }
        return registry
    }

    /// The batches of the log after `lsn`, through `throughLSN` at most, read back from the files: what a primary
    /// sends a standby that is behind. Throws when the log no longer starts at or before `lsn + 1` (trimmed by a
    /// snapshot): the standby then needs the snapshot.
    public func loggedBatches(after lsn: LSN, through throughLSN: LSN) throws(WALError) -> [LogBatch] {
        var collector = BatchCollector()
        _ = try Recovery.recover(
            directory: self.options.directory, storage: self.storage, into: &collector, afterLSN: lsn,
            throughLSN: throughLSN, repair: false)
        return collector.batches
    }

    /// A fresh snapshot's LSN, format version and payload: what a primary sends a standby it cannot continue from
    /// its log.
    public func snapshotForStandby() async throws(WALError) -> (lsn: LSN, version: UInt16, payload: [UInt8]) {
        let lsn = try await self.takeSnapshot()
        let store = SnapshotStore(directory: DataDirectory.snapshotDirectory(self.data), storage: self.storage)
        let (version, payload) = try store.read(lsn, versions: 1...SnapshotCodec.version)
        return (lsn, version, Array(payload))
    }

    /// Replaces this node's state with its primary's snapshot at `lsn`: the log and snapshots here are removed,
    /// the snapshot written, and a fresh log started after it, with a registry loaded from it. Every reply still
    /// waiting on the old state is lost (`durableEnd` 0): a standby acknowledges no client, and a primary that
    /// stepped down cannot tell which of its changes its successor has.
    public func install(snapshot payload: [UInt8], version: UInt16, lsn: LSN) throws(WALError) {
        guard (1...SnapshotCodec.version).contains(version) else {
            throw .corrupt("a snapshot of format \(version); this build reads 1...\(SnapshotCodec.version)")
        }
        _ = try SnapshotCodec.decode(payload[...], lsn: lsn, version: version)
        self.writer?.close()
        let walDirectory = DataDirectory.walDirectory(self.data)
        let store = SnapshotStore(directory: DataDirectory.snapshotDirectory(self.data), storage: self.storage)
        for old in try store.lsns() where old != lsn {
            try self.storage.remove(store.path(old))
        }
        try store.write(lsn: lsn, version: version, payload: payload)
        for name in try self.storage.list(walDirectory) { try self.storage.remove(walDirectory + "/" + name) }
        try self.storage.syncDirectory(walDirectory)
        let opened = try DataDirectory.open(self.data, storage: self.storage, eventsRetained: self.eventsRetained)
        guard opened.recovered.lastLSN == lsn else {
            throw .corrupt("the installed snapshot reads back at LSN \(opened.recovered.lastLSN), not \(lsn)")
        }
        let writer = try LogWriter(storage: self.storage, options: self.options, lastLSN: lsn, tail: nil)
        let epoch = self.generation.withLock { $0.nextEpoch }
        let registry = Registry(
            state: opened.recovered.state, log: WriterLog(writer, generation: epoch), hub: self.hub,
            clock: self.clock, ids: self.ids, keysPerSessionMax: self.keysPerSessionMax,
            eventsRetained: self.eventsRetained, executors: self.executors)
        self.generation.withLock {
            $0.next(registry: registry, writer: writer, failedAt: nil, durableEnd: 0, hub: self.hub)
        }
        self.hub.endAll(failing: "this node's state was replaced by its primary's snapshot")
    }
}

/// Collects what recovery reads back as `LogBatch`es, each record re-encoded to find where it ends.
struct BatchCollector: RecordSink {
    var batches: [LogBatch] = []

    mutating func replay(
        _ payload: ArraySlice<UInt8>, count: Int, firstLSN: LSN, atMs: Int64, after afterLSN: LSN
    ) throws(ReplayError) -> Int {
        let records: [LogRecord]
        do { records = try RecordCodec.decodeAll(payload, count: count) } catch {
            throw .undecodable("\(error)")
        }
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var first: LSN? = nil
        for (index, record) in records.enumerated() where firstLSN + LSN(index) > afterLSN {
            first = first ?? firstLSN + LSN(index)
            bytes += RecordCodec.encode(record)
            ends.append(bytes.count)
        }
        guard let first else { return 0 }
        self.batches.append(LogBatch(firstLSN: first, atMs: atMs, payload: bytes, recordEnds: ends))
        return ends.count
    }
}
