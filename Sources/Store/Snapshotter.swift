import SeatActors
import WAL

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
    /// Returns once the log is durable through the LSN given (the store's one durability decision).
    let durable: @Sendable (LSN) async throws(SeatError) -> Void
    let store: SnapshotStore
    let walDirectory: String
    let storage: any Storage

    public init(
        registry: Registry, durable: @escaping @Sendable (LSN) async throws(SeatError) -> Void, store: SnapshotStore,
        walDirectory: String, storage: any Storage = PosixStorage()
    ) {
        self.registry = registry
        self.durable = durable
        self.store = store
        self.walDirectory = walDirectory
        self.storage = storage
    }

    /// Writes a snapshot now, then deletes the log segments the oldest kept snapshot covers. Returns its LSN.
    @discardableResult
    public func take() async throws(WALError) -> LSN {
        let lsn = self.registry.log.lastLSN
        let halls = self.registry.halls
        var sessions: [SessionState] = []
        for session in self.registry.sessions {
            if let image = await session.image() { sessions.append(image) }
        }
        let newest = sessions.map(\.lastLSN).max() ?? lsn
        do { try await self.durable(max(newest, lsn)) } catch {
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
