import SeatActors

/// Segment headers: see `Format`.
enum SegmentHeader {
    static func encode(firstLSN: LSN, previousCRC: UInt32) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes.append(contentsOf: Format.segmentMagic)
        writer.u16(UInt16(Format.version))
        writer.fixed(0, count: 6)
        writer.u64(firstLSN)
        writer.u32(previousCRC)
        writer.u32(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// The first LSN and chained CRC of a header, or nil when it is not a valid header.
    static func decode(_ file: [UInt8]) -> (firstLSN: LSN, previousCRC: UInt32)? {
        guard file.count >= Format.segmentHeaderBytes, Array(file[0..<8]) == Format.segmentMagic else { return nil }
        var reader = ByteReader(file[8..<Format.segmentHeaderBytes])
        guard let version = try? reader.u16(), version == UInt16(Format.version),
            (try? reader.fixed(count: 6)) == 0, let firstLSN = try? reader.u64(), let previous = try? reader.u32(),
            let crc = try? reader.u32(), crc == CRC32C.checksum(file[0..<28])
        else { return nil }
        return (firstLSN, previous)
    }
}

/// Where the log ends: the newest segment and the offset after its last valid batch.
public struct LogTail: Sendable, Equatable {
    public let path: String
    public let firstLSN: LSN
    public let offset: Int
    /// CRC of the last batch (the next batch chains to it).
    public let lastCRC: UInt32
}

/// When a change counts as durable.
public enum FsyncPolicy: Sendable, Equatable, CustomStringConvertible {
    /// fdatasync before every acknowledgement (group commit): survives power loss.
    case always
    /// fdatasync at least every `ms` milliseconds; acknowledged once written.
    case interval(ms: Int)
    /// Never fdatasync (the OS decides); acknowledged once written. Survives a killed process only.
    case off

    /// Parses `always`, `off` or `interval=<ms>`.
    public init?(_ text: String) {
        switch text {
        case "always": self = .always
        case "off": self = .off
        default:
            guard text.hasPrefix("interval="), let ms = Int(text.dropFirst(9)), ms >= 1, ms <= 60_000 else {
                return nil
            }
            self = .interval(ms: ms)
        }
    }

    public var description: String {
        switch self {
        case .always: "always"
        case .off: "off"
        case .interval(let ms): "interval=\(ms)"
        }
    }
}
