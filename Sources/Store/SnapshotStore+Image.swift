import SeatActors
import WAL

/// Snapshots as the registry's images: `SnapshotCodec` over the snapshot files of `SnapshotStore`.
extension SnapshotStore {
    /// Writes `image` durably; returns its path.
    @discardableResult
    public func write(_ image: SnapshotImage) throws(WALError) -> String {
        try self.write(lsn: image.lsn, version: SnapshotCodec.version, payload: SnapshotCodec.encode(image))
    }

    /// Reads the snapshot at `lsn`, checking its checksum, in any format version this build reads.
    public func read(_ lsn: LSN) throws(WALError) -> SnapshotImage {
        let (version, payload) = try self.read(lsn, versions: 1...SnapshotCodec.version)
        return try SnapshotCodec.decode(payload, lsn: lsn, version: version)
    }

    /// The newest snapshot that reads back whole, and the names of newer ones that did not.
    public func loadNewest() throws(WALError) -> (image: SnapshotImage?, damaged: [String]) {
        try self.loadNewest { lsn throws(WALError) in try self.read(lsn) }
    }
}
