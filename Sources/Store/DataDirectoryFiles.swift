import SeatActors
import WAL

/// Small files of the data directory beside the log and the snapshots: its identity, and state other parts keep
/// (the NATS publisher's acknowledged position).
extension DataDirectory {
    /// The directory's id: 16 random hex digits made the first time it is asked for and kept in `<data>/id`. It
    /// names this data directory's changes to other systems (NATS message ids are `<id>-<seq>`).
    public static func identity(_ data: String, storage: any Storage = PosixStorage()) throws(WALError) -> String {
        let path = data + "/id"
        if let bytes = try Self.readFile(path, storage: storage) {
            let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
            guard text.utf8.count == 16, text.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
            else {
                throw .corrupt("\(path) does not hold a data directory id (16 hex digits)")
            }
            return text
        }
        var random = SystemRandomNumberGenerator()
        let value = random.next() as UInt64
        let digits = String(value, radix: 16)
        let id = String(repeating: "0", count: 16 - digits.count) + digits
        try Self.writeFile(path, Array((id + "\n").utf8), storage: storage)
        return id
    }

    /// A whole small file, or nil when there is none.
    public static func readFile(_ path: String, storage: any Storage = PosixStorage()) throws(WALError) -> [UInt8]? {
        let (directory, name) = Self.split(path)
        guard try storage.list(directory).contains(name) else { return nil }
        let file = try storage.open(path, create: false)
        defer { file.close() }
        return try file.read(at: 0, count: try file.size())
    }

    /// Replaces a small file durably: a temp file, fsynced, renamed over it, and the directory fsynced.
    public static func writeFile(
        _ path: String, _ bytes: [UInt8], storage: any Storage = PosixStorage()
    ) throws(WALError) {
        let directory = Self.split(path).directory
        try storage.makeDirectory(directory)
        let temporary = path + ".tmp"
        let file = try storage.open(temporary, create: true)
        do {
            try file.truncate(to: 0)
            try file.write(bytes, at: 0)
            try file.sync()
            file.close()
        } catch {
            file.close()
            throw error
        }
        try storage.rename(temporary, to: path)
        try storage.syncDirectory(directory)
    }

    /// A path's directory (`.` for a bare name) and file name.
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
