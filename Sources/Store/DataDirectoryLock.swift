import Foundation
import WAL

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data directory (`<data>/LOCK`, `flock`), as etcd and PostgreSQL take one: two servers on
/// one directory would both acknowledge changes that only one log keeps. The server holds it for its whole life
/// (the kernel releases it when the process ends, however it ends); `seatd check --fix` takes it too. The file
/// holds the holder's pid, for the message a second process gets.
public final class DataDirectoryLock: Sendable {
    public static let fileName = "LOCK"

    /// Why the lock could not be taken.
    public struct Held: Error, CustomStringConvertible {
        public let description: String
    }

    let fd: Int32

    /// Takes the lock of `data` (created if missing), or throws `Held` naming the holder's pid.
    public init(_ data: String) throws {
        do { try PosixStorage().makeDirectory(data) } catch {
            guard case .io(_, let code) = error else { throw error }
            throw Held(description: "cannot create the data directory (\(data)): \(String(cString: strerror(code)))")
        }
        let path = data + "/" + Self.fileName
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Held(
                description: "cannot open the data directory's lock (\(path)): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.pid(in: fd).map { "pid \($0)" } ?? "another process"
            Glibc.close(fd)
            throw Held(
                description: "the data directory \(data) is in use by \(holder) (\(path) is locked); "
                    + "stop that seatd first, or give another --data")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    /// True when some process holds the lock of `data` now (a missing directory is not locked).
    public static func isHeld(_ data: String) -> Bool {
        let fd = Glibc.open(data + "/" + Self.fileName, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }

    private static func pid(in fd: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit { Glibc.close(self.fd) }
}
