import SeatActors
import WAL

/// The data directory: `wal/` and `snapshots/`, opened as one.
public enum DataDirectory {
    /// What opening found and rebuilt.
    public struct Opened: Sendable {
        public let recovered: RecoveredState
        /// The snapshot replay started from, if any.
        public let snapshotLSN: LSN?
        /// Snapshots skipped because they failed their checks (newest first).
        public let damagedSnapshots: [String]
    }

    public static func walDirectory(_ data: String) -> String { data + "/wal" }
    public static func snapshotDirectory(_ data: String) -> String { data + "/snapshots" }

    /// Loads the newest valid snapshot (falling back to older ones), then replays the log after it (through
    /// `throughLSN` when given), each session retaining `eventsRetained` events. With `repair` it creates `wal/` and
    /// `snapshots/` when missing (so a backup's `cp -a <data>/snapshots` works before the first snapshot) and
    /// repairs torn tails; without, it changes nothing.
    public static func open(
        _ data: String, storage: any Storage = PosixStorage(), throughLSN: LSN? = nil, repair: Bool = true,
        eventsRetained: Int = Limits.eventsRetainedDefault
    ) throws(WALError) -> Opened {
        // Reading (repair off, as `seatd check` does) never writes, not even a directory.
        if repair {
            try storage.makeDirectory(Self.walDirectory(data))
            try storage.makeDirectory(Self.snapshotDirectory(data))
        }
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
