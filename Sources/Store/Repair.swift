import WAL

/// `seatd check --fix`: cuts the log at the first damage recovery refuses, after backing the log up.
public enum Repair {
    /// What a repair did.
    public struct Report: Sendable {
        public let backup: String
        public let cut: String
        public let removedSegments: [String]
    }

    /// Copies `<data>/wal` to `backupDirectory`, then zeroes the damaged segment from the damaged batch on and
    /// removes every later segment. The valid prefix before the damage is what recovery then finds.
    public static func cut(
        data: String, at damage: WALError, backupDirectory: String, storage: any Storage = PosixStorage()
    ) throws(WALError) -> Report {
        guard case .damaged(let name, let offset, _, _) = damage else {
            throw .corrupt("nothing to cut: \(damage)")
        }
        let wal = DataDirectory.walDirectory(data)
        let names = try storage.list(wal).filter { Format.firstLSN(ofSegment: $0) != nil }.sorted()
        try storage.makeDirectory(backupDirectory)
        for segment in names {
            try Self.copy(wal + "/" + segment, to: backupDirectory + "/" + segment, storage: storage)
        }
        try storage.syncDirectory(backupDirectory)
        let file = try storage.open(wal + "/" + name, create: false)
        defer { file.close() }
        try file.zero(from: offset, to: try file.size())
        // A bad header makes the whole segment unusable: remove it too.
        let removeFrom = offset == 0 ? name : names.first { $0 > name }
        let removed = removeFrom.map { first in names.filter { $0 >= first } } ?? []
        for segment in removed { try storage.remove(wal + "/" + segment) }
        try storage.syncDirectory(wal)
        return Report(backup: backupDirectory, cut: "\(name) at offset \(offset)", removedSegments: removed)
    }

    private static func copy(_ from: String, to: String, storage: any Storage) throws(WALError) {
        let source = try storage.open(from, create: false)
        defer { source.close() }
        let target = try storage.open(to, create: true)
        defer { target.close() }
        try target.write(try source.read(at: 0, count: try source.size()), at: 0)
        try target.sync()
    }
}
