/// Segment headers: see `Format`.
enum SegmentHeader {
    /// The LSNs a segment may skip: 48 bits.
    static let skippedMax: UInt64 = 1 << 48 - 1

    /// A header for a segment whose first batch has LSN `firstLSN`. `skipped` is how many LSNs before it no
    /// segment holds: the log resumed after a failure past LSNs it had assigned to changes that were lost, so that
    /// no LSN ever names two changes (0 for every other segment).
    static func encode(firstLSN: LSN, previousCRC: UInt32, skipped: UInt64 = 0) -> [UInt8] {
        precondition(skipped <= Self.skippedMax && skipped < firstLSN, "cannot skip \(skipped) LSNs before \(firstLSN)")
        var writer = ByteWriter()
        writer.bytes.append(contentsOf: Format.segmentMagic)
        writer.u16(UInt16(Format.version))
        for shift in stride(from: 0, to: 48, by: 8) { writer.u8(UInt8(truncatingIfNeeded: skipped >> UInt64(shift))) }
        writer.u64(firstLSN)
        writer.u32(previousCRC)
        writer.u32(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// The first LSN, chained CRC and skipped LSNs of a header, or nil when it is not a valid header.
    static func decode(_ file: [UInt8]) -> (firstLSN: LSN, previousCRC: UInt32, skipped: UInt64)? {
        guard file.count >= Format.segmentHeaderBytes, Array(file[0..<8]) == Format.segmentMagic else { return nil }
        var reader = ByteReader(file[8..<Format.segmentHeaderBytes])
        guard let version = try? reader.u16(), version == UInt16(Format.version) else { return nil }
        var skipped: UInt64 = 0
        for shift in stride(from: 0, to: 48, by: 8) {
            guard let byte = try? reader.u8() else { return nil }
            skipped |= UInt64(byte) << UInt64(shift)
        }
        guard let firstLSN = try? reader.u64(), skipped < firstLSN, let previous = try? reader.u32(),
            let crc = try? reader.u32(), crc == CRC32C.checksum(file[0..<28])
        else { return nil }
        return (firstLSN, previous, skipped)
    }
}
