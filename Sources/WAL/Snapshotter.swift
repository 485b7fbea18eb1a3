import SeatActors

/// Takes snapshots of a live registry without pausing it: each session's image is a copy-on-write copy taken in
/// one actor turn, so a session stalls for no more than that turn.
///
/// Consistency: the snapshot's LSN is the log's last LSN read *before* any image is taken. Each image then holds
/// every change of its session up to that LSN (an append and its apply happen in one actor turn, and the image
/// is taken in a later turn), and perhaps later ones, which replay skips by the image's own last LSN. Sessions
/// created or dropped meanwhile are settled by replaying their records after the snapshot's LSN. The images are
/// written only once the log is durable through everything they hold, so a snapshot never contains a change a
/// crash could take back from the log.
public final class Snapshotter: Sendable {
    let registry: Registry
    let writer: LogWriter
    let store: SnapshotStore
    let walDirectory: String
    let storage: any Storage

    public init(registry: Registry, writer: LogWriter, store: SnapshotStore, walDirectory: String,
                storage: any Storage = PosixStorage()) {
        self.registry = registry
        self.writer = writer
        self.store = store
        self.walDirectory = walDirectory
        self.storage = storage
    }

    /// Writes a snapshot now, then deletes the log segments the oldest kept snapshot covers. Returns its LSN.
    @discardableResult
    public func take() async throws(WALError) -> LSN {
        let lsn = self.writer.lastLSN
        let halls = self.registry.halls
        var sessions: [SessionState] = []
        for session in self.registry.sessions {
            if let image = await session.image() { sessions.append(image) }
        }
        let newest = sessions.map(\.lastLSN).max() ?? lsn
        do { try await self.writer.waitDurable(through: max(newest, lsn)) } catch {
            throw .unavailable("the log failed before the snapshot was durable: \(error)")
        }
        // Encoding, writing and fsyncing block: on a thread of their own, never the cooperative pool's.
        let image = SnapshotImage(lsn: lsn, halls: halls, sessions: sessions)
        try await BlockingIO.shared.run { () throws(WALError) in
            try self.store.write(image)
            try self.store.prune()
            if let oldest = try self.store.lsns().first { try self.deleteSegments(coveredThrough: oldest) }
        }
        return lsn
    }

    /// Deletes every segment whose records all lie at or below `lsn` (never the newest segment).
    func deleteSegments(coveredThrough lsn: LSN) throws(WALError) {
        let segments = try self.storage.list(self.walDirectory).compactMap(Format.firstLSN(ofSegment:)).sorted()
        var deleted = false
        for (segment, next) in zip(segments, segments.dropFirst()) where next <= lsn + 1 {
            try self.storage.remove(self.walDirectory + "/" + Format.segmentName(firstLSN: segment))
            Failpoint.segmentDelete.hit()
            deleted = true
        }
        if deleted { try self.storage.syncDirectory(self.walDirectory) }
    }
}

/// The data directory: `wal/` and `snapshots/`, opened as one.
public enum DataDirectory {
    /// What opening found and rebuilt.
    public struct Opened: Sendable {
        public let recovered: RecoveredLog
        /// The snapshot replay started from, if any.
        public let snapshotLSN: LSN?
        /// Snapshots skipped because they failed their checks (newest first).
        public let damagedSnapshots: [String]
    }

    public static func walDirectory(_ data: String) -> String { data + "/wal" }
    public static func snapshotDirectory(_ data: String) -> String { data + "/snapshots" }

    /// Loads the newest valid snapshot (falling back to older ones), then replays the log after it (through
    /// `throughLSN` when given), each session retaining `eventsRetained` events. With `repair` it creates `wal/` when missing and repairs torn tails; without, it
    /// changes nothing.
    public static func open(
        _ data: String, storage: any Storage = PosixStorage(), throughLSN: LSN? = nil, repair: Bool = true,
        eventsRetained: Int = Limits.eventsRetainedDefault
    ) throws(WALError) -> Opened {
        // Reading (repair off, as `seatd check` does) never writes, not even a directory.
        if repair { try storage.makeDirectory(Self.walDirectory(data)) }
        let store = SnapshotStore(directory: Self.snapshotDirectory(data), storage: storage)
        let (image, damaged) = try store.loadNewest()
        var state = image?.state ?? RegistryState()
        state.retainEvents(eventsRetained)
        let recovered = try Recovery.recover(
            directory: Self.walDirectory(data), storage: storage, state: state,
            afterLSN: image?.lsn ?? 0, throughLSN: throughLSN, repair: repair)
        return Opened(recovered: recovered, snapshotLSN: image?.lsn, damagedSnapshots: damaged)
    }
}
