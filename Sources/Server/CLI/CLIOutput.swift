import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Standard output of `seatd cli`, buffered: lines gather here and go out in one write(2) when a read from the
/// server is done (or 64 KiB have gathered), so 100,000 piped replies take a few hundred writes, not 100,000.
/// Any thread may call it; the lock keeps lines whole and in the order they were given.
enum CLIOutput {
    /// Bytes gathered before they are written whatever else happens.
    static let bufferBytesMax = 1 << 16

    private static let pending = Mutex<[UInt8]>([])

    /// `text` and an LF, written at the next `flush()`.
    static func line(_ text: String) {
        self.pending.withLock { bytes in
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\n"))
            if bytes.count >= Self.bufferBytesMax { Self.write(&bytes, to: STDOUT_FILENO) }
        }
    }

    /// Writes what has gathered.
    static func flush() {
        self.pending.withLock { Self.write(&$0, to: STDOUT_FILENO) }
    }

    /// `seatd cli: <text>` on standard error, after what standard output has gathered.
    static func warn(_ text: String) {
        self.pending.withLock { bytes in
            Self.write(&bytes, to: STDOUT_FILENO)
            var message = Array("seatd cli: \(text)\n".utf8)
            Self.write(&message, to: STDERR_FILENO)
        }
    }

    /// Writes all of `bytes` (retrying short writes and EINTR) and empties it; a closed output drops the rest.
    private static func write(_ bytes: inout [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { break }
            offset += written
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
