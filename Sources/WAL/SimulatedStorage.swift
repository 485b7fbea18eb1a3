import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A disk in memory that keeps what was written apart from what was synced, for fault tests.
///
/// Files are inodes; a directory is a table of names. A write changes an inode's written bytes; `sync` makes
/// them durable. Creating, renaming or removing a name changes the visible table; `syncDirectory` makes it
/// durable. At a chosen operation it can fail with EIO or ENOSPC, or cut the power: that operation and every
/// later one fail, and `afterPowerCut` returns the disk as it would come back: only durable names and bytes,
/// plus, when the cut hit a write, a prefix of that write torn at a 512-byte boundary.
public final class SimulatedStorage: Storage {
    /// What happens at the chosen operation.
    public enum Fault: Sendable, Equatable, CaseIterable {
        /// The operation fails with EIO and has no effect.
        case ioError
        /// A write or preallocation fails with ENOSPC (other operations: EIO).
        case noSpace
        /// The power goes: the operation (a write: part of it) and everything after it never happen.
        case powerCut
    }

    struct Inode {
        var written: [UInt8] = []
        var durable: [UInt8] = []
    }

    struct State {
        var inodes: [Int: Inode] = [:]
        var names: [String: Int] = [:]
        var durableNames: [String: Int] = [:]
        var nextInode = 1
        var operations = 0
        var faultAt: Int?
        var fault: Fault = .ioError
        var crashed = false
        var tornWrite: (inode: Int, offset: Int, bytes: [UInt8])?
        var faultHappened: Fault?
    }

    let state: Mutex<State>

    /// A disk that fails with `fault` at mutating operation number `faultAt` (1-based; nil: never).
    public init(faultAt: Int? = nil, fault: Fault = .ioError) {
        var state = State()
        state.faultAt = faultAt
        state.fault = fault
        self.state = Mutex(state)
    }

    init(state: State) {
        self.state = Mutex(state)
    }

    /// Mutating operations so far.
    public var operations: Int { self.state.withLock { $0.operations } }

    /// The fault that has happened, if any.
    public var faultHappened: Fault? { self.state.withLock { $0.faultHappened } }

    /// The disk after a power cut now (or at the cut that already happened): durable names and bytes only, plus
    /// `tornBlocks` 512-byte blocks of a write the cut interrupted (as many as it had).
    public func afterPowerCut(tornBlocks: Int = 0) -> SimulatedStorage {
        self.state.withLock { state in
            var next = State()
            next.nextInode = state.nextInode
            next.names = state.durableNames
            next.durableNames = state.durableNames
            for (id, inode) in state.inodes {
                next.inodes[id] = Inode(written: inode.durable, durable: inode.durable)
            }
            if let torn = state.tornWrite, next.inodes[torn.inode] != nil {
                let kept = min(torn.bytes.count, tornBlocks * 512 - torn.offset % 512)
                if kept > 0 {
                    Self.put(Array(torn.bytes[0..<kept]), at: torn.offset, into: &next.inodes[torn.inode]!.written)
                    next.inodes[torn.inode]!.durable = next.inodes[torn.inode]!.written
                }
            }
            return SimulatedStorage(state: next)
        }
    }

    /// Counts a mutating operation and applies the fault when its turn comes.
    func step(
        _ name: String, isWrite: Bool = false, inode: Int? = nil, offset: Int = 0, bytes: [UInt8] = []
    )
        throws(WALError)
    {
        try self.state.withLock { state throws(WALError) in
            guard !state.crashed else { throw .io("\(name) after power cut", errno: EIO) }
            state.operations += 1
            guard state.operations == state.faultAt else { return }
            state.faultHappened = state.fault
            switch state.fault {
            case .ioError:
                throw .io(name, errno: EIO)
            case .noSpace:
                throw .io(name, errno: isWrite ? ENOSPC : EIO)
            case .powerCut:
                state.crashed = true
                if isWrite, let inode { state.tornWrite = (inode, offset, bytes) }
                throw .io("\(name): power cut", errno: EIO)
            }
        }
    }

    static func put(_ bytes: [UInt8], at offset: Int, into target: inout [UInt8]) {
        if target.count < offset + bytes.count {
            target.append(contentsOf: repeatElement(0, count: offset + bytes.count - target.count))
        }
        target.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    // MARK: Storage

    public func list(_ directory: String) throws(WALError) -> [String] {
        try self.state.withLock { state throws(WALError) in
            guard !state.crashed else { throw .io("list after power cut", errno: EIO) }
            let prefix = directory + "/"
            return state.names.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
                .map { String($0.dropFirst(prefix.count)) }.sorted()
        }
    }

    public func makeDirectory(_ path: String) throws(WALError) {}

    public func open(_ path: String, create: Bool) throws(WALError) -> any StorageFile {
        if let inode = self.state.withLock({ $0.names[path] }) { return SimulatedFile(storage: self, inode: inode) }
        guard create else { throw .io("open \(path)", errno: ENOENT) }
        try self.step("create \(path)")
        let inode = self.state.withLock { state in
            let inode = state.nextInode
            state.nextInode += 1
            state.inodes[inode] = Inode()
            state.names[path] = inode
            return inode
        }
        return SimulatedFile(storage: self, inode: inode)
    }

    public func remove(_ path: String) throws(WALError) {
        try self.step("remove \(path)")
        self.state.withLock { _ = $0.names.removeValue(forKey: path) }
    }

    public func rename(_ from: String, to: String) throws(WALError) {
        try self.step("rename \(from)")
        try self.state.withLock { state throws(WALError) in
            guard let inode = state.names.removeValue(forKey: from) else { throw .io("rename \(from)", errno: ENOENT) }
            state.names[to] = inode
        }
    }

    public func syncDirectory(_ path: String) throws(WALError) {
        try self.step("fsync \(path)")
        self.state.withLock { state in
            let prefix = path + "/"
            state.durableNames = state.durableNames.filter { !$0.key.hasPrefix(prefix) }
            for (name, inode) in state.names where name.hasPrefix(prefix) { state.durableNames[name] = inode }
        }
    }
}

/// A file on the simulated disk.
final class SimulatedFile: StorageFile {
    let storage: SimulatedStorage
    let inode: Int

    init(storage: SimulatedStorage, inode: Int) {
        self.storage = storage
        self.inode = inode
    }

    func size() throws(WALError) -> Int {
        self.storage.state.withLock { $0.inodes[self.inode]?.written.count ?? 0 }
    }

    func read(at offset: Int, count: Int) throws(WALError) -> [UInt8] {
        self.storage.state.withLock { state in
            let bytes = state.inodes[self.inode]?.written ?? []
            guard offset < bytes.count else { return [] }
            return Array(bytes[offset..<min(bytes.count, offset + count)])
        }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(WALError) {
        try self.storage.step("pwrite", isWrite: true, inode: self.inode, offset: offset, bytes: bytes)
        self.storage.state.withLock { SimulatedStorage.put(bytes, at: offset, into: &$0.inodes[self.inode]!.written) }
    }

    func sync() throws(WALError) {
        try self.storage.step("fdatasync")
        self.storage.state.withLock { $0.inodes[self.inode]!.durable = $0.inodes[self.inode]!.written }
    }

    func truncate(to size: Int) throws(WALError) {
        try self.storage.step("ftruncate")
        self.storage.state.withLock { state in
            var bytes = state.inodes[self.inode]!.written
            if bytes.count > size {
                bytes.removeLast(bytes.count - size)
            } else {
                bytes.append(contentsOf: repeatElement(0, count: size - bytes.count))
            }
            state.inodes[self.inode]!.written = bytes
        }
    }

    func preallocate(size: Int) throws(WALError) {
        try self.storage.step("fallocate", isWrite: true)
        self.storage.state.withLock { state in
            let count = state.inodes[self.inode]!.written.count
            if count < size {
                state.inodes[self.inode]!.written.append(contentsOf: repeatElement(0, count: size - count))
            }
        }
    }

    func close() {}
}
