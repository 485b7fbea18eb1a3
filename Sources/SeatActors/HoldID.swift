import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A hold's id: 64 random bits, shown as 16 lowercase hex digits. Knowing it entitles a client to confirm or
/// release the hold. Zero is never used, so a seat's owner word can use it for "none".
public struct HoldID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 64 bits.
    public let raw: UInt64

    /// Wraps non-zero bits.
    public init(raw: UInt64) {
        precondition(raw != 0, "hold id 0 is reserved")
        self.raw = raw
    }

    /// Parses 16 hex digits (either case); nil for anything else.
    public init?(_ text: Substring) {
        guard text.utf8.count == 16, let raw = UInt64(text, radix: 16), raw != 0 else { return nil }
        self.raw = raw
    }

    /// 16 lowercase hex digits.
    public var description: String {
        String(unsafeUninitializedCapacity: 16) { bytes in
            let digits = Array("0123456789abcdef".utf8)
            for index in 0..<16 { bytes[index] = digits[Int((self.raw >> (60 - 4 * UInt64(index))) & 0xF)] }
            return 16
        }
    }

    public static func < (lhs: HoldID, rhs: HoldID) -> Bool { lhs.raw < rhs.raw }
}

/// Where hold ids come from. Production reads the system's secure random source; tests inject a seeded one.
public protocol HoldIDSource: Sendable {
    /// 64 fresh random bits.
    func next() -> UInt64
}

/// The operating system's cryptographically secure random source, read a block at a time: one read of
/// `/dev/urandom` (the kernel's CSPRNG, as `getrandom` is) gives 512 hold ids, instead of a system call per HOLD
/// (`SystemRandomNumberGenerator` makes one per value). Every instance draws from one process-wide buffer.
public struct SystemHoldIDSource: HoldIDSource {
    public init() {}
    public func next() -> UInt64 { RandomBlock.shared.next() }
}

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
