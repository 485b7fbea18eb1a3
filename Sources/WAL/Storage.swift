#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File access behind a small protocol, so tests can run the log on a simulated disk that fails on command.
public protocol Storage: Sendable {
    /// File names (not paths) in a directory, or [] when it does not exist.
    func list(_ directory: String) throws(WALError) -> [String]
    /// Creates a directory and its parents if missing.
    func makeDirectory(_ path: String) throws(WALError)
    /// Opens a file for reading and writing, creating it if `create`.
    func open(_ path: String, create: Bool) throws(WALError) -> any StorageFile
    func remove(_ path: String) throws(WALError)
    func rename(_ from: String, to: String) throws(WALError)
    /// fsync of a directory, so a create, rename or remove in it is durable.
    func syncDirectory(_ path: String) throws(WALError)
}

/// One open file.
public protocol StorageFile: AnyObject, Sendable {
    func size() throws(WALError) -> Int
    func read(at offset: Int, count: Int) throws(WALError) -> [UInt8]
    func write(_ bytes: [UInt8], at offset: Int) throws(WALError)
    /// fdatasync: written bytes are durable once it returns.
    func sync() throws(WALError)
    func truncate(to size: Int) throws(WALError)
    /// Reserves `size` bytes (zeros) so appends do not change the file's size.
    func preallocate(size: Int) throws(WALError)
    func close()
}

/// The real file system, through POSIX calls.
public struct PosixStorage: Storage {
    public init() {}

    public func list(_ directory: String) throws(WALError) -> [String] {
        guard let dir = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw .io("opendir \(directory)", errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func makeDirectory(_ path: String) throws(WALError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw .io("mkdir \(prefix)", errno: errno) }
        }
    }

    public func open(_ path: String, create: Bool) throws(WALError) -> any StorageFile {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0o644)
        guard fd >= 0 else { throw .io("open \(path)", errno: errno) }
        return PosixFile(fd: fd, path: path)
    }

    public func remove(_ path: String) throws(WALError) {
        guard unlink(path) == 0 else { throw .io("unlink \(path)", errno: errno) }
    }

    public func rename(_ from: String, to: String) throws(WALError) {
        guard Glibc.rename(from, to) == 0 else { throw .io("rename \(from)", errno: errno) }
    }

    public func syncDirectory(_ path: String) throws(WALError) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open \(path)", errno: errno) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw .io("fsync \(path)", errno: errno) }
    }
}

/// A file descriptor. Calls are not synchronised: one writer thread owns a segment at a time.
final class PosixFile: StorageFile, @unchecked Sendable {
    let fd: Int32
    let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    func size() throws(WALError) -> Int {
        var info = stat()
        guard fstat(self.fd, &info) == 0 else { throw .io("fstat \(self.path)", errno: errno) }
        return Int(info.st_size)
    }

    func read(at offset: Int, count: Int) throws(WALError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes {
                pread(self.fd, $0.baseAddress! + done, count - done, off_t(offset + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .io("pread \(self.path)", errno: errno) }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[0..<done])
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(WALError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes {
                pwrite(self.fd, $0.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io("pwrite \(self.path)", errno: n < 0 ? errno : ENOSPC) }
            done += n
        }
    }

    func sync() throws(WALError) {
        guard fdatasync(self.fd) == 0 else { throw .io("fdatasync \(self.path)", errno: errno) }
    }

    func truncate(to size: Int) throws(WALError) {
        guard ftruncate(self.fd, off_t(size)) == 0 else { throw .io("ftruncate \(self.path)", errno: errno) }
    }

    func preallocate(size: Int) throws(WALError) {
        let result = posix_fallocate(self.fd, 0, off_t(size))
        guard result == 0 else { throw .io("posix_fallocate \(self.path)", errno: result) }
    }

    func close() { Glibc.close(self.fd) }
}
