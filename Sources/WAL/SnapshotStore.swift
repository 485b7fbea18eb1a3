/// Snapshot files in `<data>/snapshots/`, named by their LSN (`<20 digits>.snap`).
///
/// File layout: a 48-byte header (magic `SEATSNP\0`, version u16, flags u16 (bit 0: LZ4), reserved u32,
/// LSN u64, raw length u64, stored length u64, CRC-32C of the header's first 40 bytes and the stored payload u32,
/// reserved u32), then the payload (the `Store`'s `SnapshotCodec`; this type knows it only as bytes). Written as a temp file, fsynced, renamed, and the directory
/// fsynced, so a snapshot is either whole or absent.
public struct SnapshotStore: Sendable {
    static let magic: [UInt8] = Array("SEATSNP".utf8) + [0]
    static let headerBytes = 48
    /// Snapshots kept: the newest, and the one before it in case the newest turns out damaged.
    public static let keptCount = 2

    public let directory: String
    let storage: any Storage

    public init(directory: String, storage: any Storage = PosixStorage()) {
        self.directory = directory
        self.storage = storage
    }

    /// LSNs of the snapshots present, oldest first.
    public func lsns() throws(WALError) -> [LSN] {
        try self.storage.list(self.directory).compactMap { name in
            name.hasSuffix(".snap") && name.utf8.count == 25 ? LSN(name.dropLast(5)) : nil
        }.sorted()
    }

    /// The path of the snapshot at `lsn`.
    public func path(_ lsn: LSN) -> String {
        let digits = String(lsn)
        return self.directory + "/" + String(repeating: "0", count: 20 - digits.count) + digits + ".snap"
    }

    /// Writes the snapshot at `lsn`, its payload encoded in format `version`, durably (temp file, fsync, rename,
    /// directory fsync); returns its path.
    @discardableResult
    public func write(lsn: LSN, version: UInt16, payload: [UInt8]) throws(WALError) -> String {
        try self.storage.makeDirectory(self.directory)
        let compressed = LZ4.compress(payload)
        let stored = compressed ?? payload
        var header = ByteWriter()
        header.bytes.append(contentsOf: Self.magic)
        header.u16(version)
        header.u16(compressed == nil ? 0 : 1)
        header.u32(0)
        header.u64(lsn)
        header.u64(UInt64(payload.count))
        header.u64(UInt64(stored.count))
        header.u32(CRC32C.checksum(stored, continuing: CRC32C.checksum(header.bytes)))
        header.u32(0)
        let final = self.path(lsn)
        let temporary = final + ".tmp"
        let file = try self.storage.open(temporary, create: true)
        defer { file.close() }
        try file.truncate(to: 0)
        try file.write(header.bytes + stored, at: 0)
        Failpoint.snapshotWrite.hit()
        try file.sync()
        Failpoint.snapshotRename.hit()
        try self.storage.rename(temporary, to: final)
        Failpoint.snapshotDirectoryFsync.hit()
        try self.storage.syncDirectory(self.directory)
        return final
    }

    /// Reads the snapshot at `lsn`, checking its header and checksum; returns its format version (one of
    /// `versions`) and its payload.
    public func read(
        _ lsn: LSN, versions: ClosedRange<UInt16>
    ) throws(WALError) -> (version: UInt16, payload: ArraySlice<UInt8>) {
        let file = try self.storage.open(self.path(lsn), create: false)
        defer { file.close() }
        let bytes = try file.read(at: 0, count: try file.size())
        guard bytes.count >= Self.headerBytes, Array(bytes[0..<8]) == Self.magic else {
            throw .corrupt("bad snapshot header")
        }
        var reader = ByteReader(bytes[8..<Self.headerBytes])
        let version = try reader.u16()
        let flags = try reader.u16()
        _ = try reader.u32()
        let headerLSN = try reader.u64()
        let rawCount = try reader.u64()
        let storedCount = try reader.u64()
        let crc = try reader.u32()
        guard versions.contains(version), headerLSN == lsn, storedCount == UInt64(bytes.count - Self.headerBytes),
            rawCount <= 1 << 32
        else { throw .corrupt("bad snapshot header") }
        let stored = bytes[Self.headerBytes...]
        guard CRC32C.checksum(stored, continuing: CRC32C.checksum(bytes[0..<40])) == crc else {
            throw .corrupt("snapshot checksum mismatch")
        }
        let payload: ArraySlice<UInt8>
        if flags & 1 != 0 {
            guard let raw = LZ4.decompress(stored, rawCount: Int(rawCount)) else { throw .corrupt("bad LZ4 block") }
            payload = raw[...]
        } else {
            payload = stored
        }
        return (version, payload)
    }

    /// The newest snapshot that `read` reads back whole, and the names of newer ones that it did not.
    public func loadNewest<Image>(
        _ read: (LSN) throws(WALError) -> Image
    ) throws(WALError) -> (image: Image?, damaged: [String]) {
        var damaged: [String] = []
        for lsn in try self.lsns().reversed() {
            do throws(WALError) {
                return (try read(lsn), damaged)
            } catch {
                damaged.append("\(self.path(lsn)): \(error)")
            }
        }
        return (nil, damaged)
    }

    /// Removes all but the newest `keptCount` snapshots (and stray temp files).
    public func prune() throws(WALError) {
        let lsns = try self.lsns()
        for lsn in lsns.dropLast(Self.keptCount) { try self.storage.remove(self.path(lsn)) }
        for name in try self.storage.list(self.directory) where name.hasSuffix(".tmp") {
            try self.storage.remove(self.directory + "/" + name)
        }
        try self.storage.syncDirectory(self.directory)
    }
}
