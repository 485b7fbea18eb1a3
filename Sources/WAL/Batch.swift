/// One batch of records as written to a segment: see `Format` for the layout.
struct Batch {
    let firstLSN: LSN
    let count: Int
    /// The raw payload: the encoded records (after the time, for a timed batch).
    let payload: ArraySlice<UInt8>
    /// When the batch's first record was appended, unix ms; 0 for a batch written before 1.1.
    var atMs: Int64 = 0

    /// The batch's bytes (padded) into `bytes` (replaced), and its CRC, chained to `previousCRC`. `records` are the
    /// encoded records; the payload stored is `atMs` (u64) and then them, put together in `scratch`. The log writer
    /// keeps both buffers, so a batch allocates nothing once they have grown (unless compressed).
    static func encode(
        firstLSN: LSN, count: Int, atMs: Int64, records: ArraySlice<UInt8>, previousCRC: UInt32,
        into bytes: inout [UInt8], scratch timed: inout [UInt8]
    ) -> UInt32 {
        timed.removeAll(keepingCapacity: true)
        timed.reserveCapacity(8 + records.count)
        let time = UInt64(max(atMs, 0))
        for shift in 0..<8 { timed.append(UInt8(truncatingIfNeeded: time >> UInt64(8 * shift))) }
        timed.append(contentsOf: records)
        return Self.encode(
            firstLSN: firstLSN, count: count, payload: timed, flags: Format.flagTimed, previousCRC: previousCRC,
            into: &bytes)
    }

    /// A batch of `payload` as it is stored; `flags` says whether it starts with the time (tests write batches of
    /// the format before 1.1 with none).
    static func encode(
        firstLSN: LSN, count: Int, payload: [UInt8], flags: UInt8 = 0, previousCRC: UInt32
    )
        -> (bytes: [UInt8], crc: UInt32)
    {
        var bytes: [UInt8] = []
        let crc = Self.encode(
            firstLSN: firstLSN, count: count, payload: payload, flags: flags, previousCRC: previousCRC, into: &bytes)
        return (bytes, crc)
    }

    /// `encode(firstLSN:count:payload:flags:previousCRC:)` into `bytes` (replaced).
    static func encode(
        firstLSN: LSN, count: Int, payload: [UInt8], flags: UInt8, previousCRC: UInt32, into bytes: inout [UInt8]
    ) -> UInt32 {
        let compressed = payload.count >= Format.compressBytesMin ? LZ4.compress(payload) : nil
        let stored = compressed ?? payload
        var header = ByteWriter()
        swap(&header.bytes, &bytes)
        header.bytes.removeAll(keepingCapacity: true)
        header.bytes.reserveCapacity(Format.padded(Format.batchHeaderBytes + stored.count))
        header.u32(Format.batchMagic)
        header.u8(Format.version)
        header.u8((compressed == nil ? 0 : Format.flagLZ4) | flags)
        header.u16(0)
        header.u64(firstLSN)
        header.u32(UInt32(count))
        header.u32(UInt32(payload.count))
        header.u32(UInt32(stored.count))
        header.u32(previousCRC)
        let crc = CRC32C.checksum(stored, continuing: CRC32C.checksum(header.bytes))
        header.u32(crc)
        header.u32(0)
        header.bytes.append(contentsOf: stored)
        header.bytes.append(contentsOf: repeatElement(0, count: Format.padded(header.bytes.count) - header.bytes.count))
        swap(&header.bytes, &bytes)
        return crc
    }

    /// What decoding a batch at an offset found.
    enum Read {
        /// A valid batch and the bytes it takes (padded).
        case batch(Batch, crc: UInt32, bytes: Int)
        /// Zeros where a batch would start: the clean end of the log.
        case end
        /// Something that is not a valid batch, and why.
        case invalid(String)
    }

    /// Decodes the batch at `offset` of `file`, checking it against the expected LSN and chain.
    static func read(_ file: [UInt8], at offset: Int, expectedLSN: LSN?, previousCRC: UInt32?) -> Read {
        guard offset + 4 <= file.count else { return offset == file.count ? .end : .invalid("header cut short") }
        var reader = ByteReader(file[offset..<min(file.count, offset + Format.batchHeaderBytes)])
        let magic = (try? reader.u32()) ?? 0
        if magic == 0 { return .end }
        guard magic == Format.batchMagic else { return .invalid("bad batch magic") }
        guard offset + Format.batchHeaderBytes <= file.count else { return .invalid("header cut short") }
        do throws(WALError) {
            let version = try reader.u8()
            let flags = try reader.u8()
            let reserved = try reader.u16()
            let firstLSN = try reader.u64()
            let count = Int(try reader.u32())
            let rawCount = Int(try reader.u32())
            let storedCount = Int(try reader.u32())
            let chained = try reader.u32()
            let crc = try reader.u32()
            let padding = try reader.u32()
            guard version == Format.version, flags & ~(Format.flagLZ4 | Format.flagTimed) == 0, reserved == 0,
                padding == 0
            else {
                return .invalid("bad version, flags or reserved bytes")
            }
            guard count >= 1, count <= rawCount, rawCount <= Format.batchBytesMax,
                storedCount <= Format.batchBytesMax + 1024
            else {
                return .invalid("bad lengths")
            }
            let payloadStart = offset + Format.batchHeaderBytes
            guard payloadStart + storedCount <= file.count else { return .invalid("payload cut short") }
            let stored = file[payloadStart..<(payloadStart + storedCount)]
            let computed = CRC32C.checksum(stored, continuing: CRC32C.checksum(file[offset..<(offset + 32)]))
            guard computed == crc else { return .invalid("checksum mismatch") }
            if let expectedLSN, firstLSN != expectedLSN { return .invalid("LSN \(firstLSN), expected \(expectedLSN)") }
            if let previousCRC, chained != previousCRC { return .invalid("broken checksum chain") }
            var payload: ArraySlice<UInt8>
            if flags & Format.flagLZ4 != 0 {
                guard let raw = LZ4.decompress(stored, rawCount: rawCount) else { return .invalid("bad LZ4 block") }
                payload = raw[...]
            } else {
                guard storedCount == rawCount else { return .invalid("raw batch with two lengths") }
                payload = stored
            }
            var atMs: Int64 = 0
            if flags & Format.flagTimed != 0 {
                guard payload.count >= 8 + count else { return .invalid("timed batch too short") }
                var time = ByteReader(payload.prefix(8))
                let ms = try time.u64()
                guard ms <= UInt64(Int64.max) else { return .invalid("bad batch time") }
                atMs = Int64(ms)
                payload = payload.dropFirst(8)
            }
            let bytes = Format.padded(Format.batchHeaderBytes + storedCount)
            // Padding up to the next 8 bytes is zeros; a file that ends inside it still holds the whole batch.
            let paddingEnd = min(offset + bytes, file.count)
            guard file[(payloadStart + storedCount)..<paddingEnd].allSatisfy({ $0 == 0 }) else {
                return .invalid("bytes after the payload")
            }
            return .batch(Batch(firstLSN: firstLSN, count: count, payload: payload, atMs: atMs), crc: crc, bytes: bytes)
        } catch {
            return .invalid("\(error)")
        }
    }
}
