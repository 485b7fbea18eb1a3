import Foundation
import Synchronization

@testable import Store
@testable import WAL

/// A storage whose file syncs block while a gate is shut, so a test can hold a write back from durability (and then
/// cut the power on the simulated disk below) or make a snapshot's fsync take as long as it likes. It records whether
/// each sync of a gated file ran on the I/O thread.
final class GatedStorage: Storage {
    let base: any Storage
    private let open = Mutex(true)
    private let gate = NSCondition()
    /// For each sync of a gated file, whether it ran on the I/O thread; and how many syncs wait at the gate now.
    let syncsOnIOThread = Mutex<[Bool]>([])
    let waiting = Atomic<Int>(0)
    /// Only files whose path contains this are gated (nil: every file).
    let only: String?

    init(_ base: any Storage, only: String? = nil) {
        self.base = base
        self.only = only
    }

    /// Syncs of gated files block from now on until `reopen`.
    func shut() { self.gate.withLock { self.open.withLock { $0 = false } } }

    /// True while syncs of gated files block.
    var isShut: Bool { !self.open.withLock { $0 } }

    /// Lets every blocked and later sync go on.
    func reopen() {
        self.gate.withLock {
            self.open.withLock { $0 = true }
            self.gate.broadcast()
        }
    }

    func pass(_ path: String) {
        guard self.only.map(path.contains) ?? true else { return }
        self.syncsOnIOThread.withLock { $0.append(BlockingIO.shared.isCurrentThread) }
        self.gate.withLock {
            self.waiting.add(1, ordering: .relaxed)
            while !self.open.withLock({ $0 }) { self.gate.wait() }
            self.waiting.subtract(1, ordering: .relaxed)
        }
    }

    func list(_ directory: String) throws(WALError) -> [String] { try self.base.list(directory) }
    func makeDirectory(_ path: String) throws(WALError) { try self.base.makeDirectory(path) }
    func open(_ path: String, create: Bool) throws(WALError) -> any StorageFile {
        GatedFile(try self.base.open(path, create: create), path: path, storage: self)
    }
    func remove(_ path: String) throws(WALError) { try self.base.remove(path) }
    func rename(_ from: String, to: String) throws(WALError) { try self.base.rename(from, to: to) }
    func syncDirectory(_ path: String) throws(WALError) { try self.base.syncDirectory(path) }
}

final class GatedFile: StorageFile {
    let file: any StorageFile
    let path: String
    let storage: GatedStorage

    init(_ file: any StorageFile, path: String, storage: GatedStorage) {
        self.file = file
        self.path = path
        self.storage = storage
    }

    func size() throws(WALError) -> Int { try self.file.size() }
    func read(at offset: Int, count: Int) throws(WALError) -> [UInt8] { try self.file.read(at: offset, count: count) }
    func write(_ bytes: [UInt8], at offset: Int) throws(WALError) { try self.file.write(bytes, at: offset) }
    func sync() throws(WALError) {
        self.storage.pass(self.path)
        try self.file.sync()
    }
    func truncate(to size: Int) throws(WALError) { try self.file.truncate(to: size) }
    func preallocate(size: Int) throws(WALError) { try self.file.preallocate(size: size) }
    func close() { self.file.close() }
}
