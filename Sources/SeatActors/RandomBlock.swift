import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A block of bytes from the kernel's CSPRNG, handed out 8 at a time and never twice.
final class RandomBlock: Sendable {
    static let shared = RandomBlock()
    /// Values per read (4 KiB).
    static let valuesPerBlock = 512

    private let state = Mutex<(values: [UInt64], next: Int)>(([], 0))
    private let fd: Int32

    init() {
        self.fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        precondition(self.fd >= 0, "cannot open /dev/urandom: errno \(errno)")
    }

    func next() -> UInt64 {
        self.state.withLock { state in
            if state.next == state.values.count {
                state.values = self.block()
                state.next = 0
            }
            defer { state.next += 1 }
            return state.values[state.next]
        }
    }

    private func block() -> [UInt64] {
        var values = [UInt64](repeating: 0, count: Self.valuesPerBlock)
        values.withUnsafeMutableBytes { bytes in
            var filled = 0
            while filled < bytes.count {
                let count = read(self.fd, bytes.baseAddress! + filled, bytes.count - filled)
                if count < 0 && errno == EINTR { continue }
                precondition(count > 0, "reading /dev/urandom failed: errno \(errno)")
                filled += count
            }
        }
        return values
    }
}
