/// What recovery replays the log into: the `Store` decodes each batch's records and applies them to its state.
public protocol RecordSink {
    /// Replays the `count` records encoded in `payload` (one batch, written at `atMs`), the first of which has LSN
    /// `firstLSN`, skipping those at or below `afterLSN`. Returns how many it applied.
    mutating func replay(
        _ payload: ArraySlice<UInt8>, count: Int, firstLSN: LSN, atMs: Int64, after afterLSN: LSN
    ) throws(ReplayError) -> Int
}

/// Why a batch that passed its checksum could not be replayed: recovery reports it as damage at that batch.
public enum ReplayError: Error, Sendable {
    /// The batch's records do not decode.
    case undecodable(String)
    /// The record of LSN `lsn` decodes but does not apply to the state before it.
    case doesNotApply(lsn: LSN, String)
}

/// What recovery found in the log.
public struct RecoveredLog: Sendable {
    /// The last LSN in the log (or the snapshot's, when the log holds nothing after it).
    public var lastLSN: LSN
    /// Where the writer continues; nil when there is no segment yet, or when the log ends before the snapshot it
    /// was replayed after (the writer then starts a new segment).
    public var tail: LogTail?
    /// Records replayed.
    public var records = 0
    /// What recovery repaired, for a warning at start.
    public var repairs: [String] = []
}

/// Reads the log back, classifying damage as etcd's WAL does:
///
/// | case | where | what recovery does |
/// |---|---|---|
/// | clean end | zeros where the next batch would start, nothing valid after | stops there |
/// | torn tail | an invalid batch in the newest segment, nothing valid after it | zeroes it and the rest, warns |
/// | torn segment creation | the newest segment's header invalid, no valid batch in it | removes the file, warns |
/// | corruption | an invalid batch, or zeros, with a valid batch after them, or in an older segment | refuses |
/// | missing segment | a segment whose first LSN is not the one after the previous segment's last | refuses |
/// | missing start | the oldest segment starts after the first LSN replay needs | refuses |
/// | log ends before the snapshot | the newest segment ends below the snapshot's LSN (`check --fix` cut a range the
/// snapshot covers) | no tail: the writer starts a new segment after the snapshot's LSN, and later recoveries skip
/// the old segment as covered |
/// | superseded tail | batches in an older segment at or after the next segment's first LSN, less the LSNs that
/// segment says it skips (left by a write that failed before the log resumed in a fresh segment) | ignored: they
/// were never durable, and the next segment continues the log |
///
/// Refusals throw `WALError.damaged` with the file, offset and LSN; `seatd check --fix` can then cut the log there.
public enum Recovery {
    /// Replays `directory`'s segments into `sink`, skipping records at or below `afterLSN` (a snapshot's) and,
    /// with `throughLSN`, stopping after that LSN (the durable prefix of a log whose writer failed).
    /// With `repair`, torn tails are zeroed on disk so the writer can continue after them.
    public static func recover<Sink: RecordSink>(
        directory: String, storage: any Storage = PosixStorage(), into sink: inout Sink,
        afterLSN: LSN = 0, throughLSN: LSN? = nil, repair: Bool = true
    ) throws(WALError) -> RecoveredLog {
        var result = RecoveredLog(lastLSN: afterLSN)
        let segments = try storage.list(directory).compactMap { name in
            Format.firstLSN(ofSegment: name).map { ($0, name) }
        }
        .sorted { $0.0 < $1.0 }
        var expected: LSN? = nil
        var chainedCRC: UInt32? = nil
        // A segment's header may say it skips LSNs (the log resumed after a failure, `Format`): the previous
        // segment is then read only up to where the skip starts. Headers are read for that before replaying.
        var skips: [Int: UInt64] = [:]
        for (position, (firstLSN, name)) in segments.enumerated() where position > 0 {
            let file = try storage.open(directory + "/" + name, create: false)
            defer { file.close() }
            let head = try file.read(at: 0, count: min(Format.segmentHeaderBytes, try file.size()))
            if let header = SegmentHeader.decode(head), header.firstLSN == firstLSN, header.skipped > 0 {
                skips[position] = header.skipped
            }
        }
        /// Where a segment's LSNs start counting for the one before it: its first LSN less what it skips.
        func start(_ position: Int) -> LSN { segments[position].0 - LSN(skips[position] ?? 0) }
        // Segments whose successor starts at or below afterLSN + 1 hold nothing to replay: skip them.
        let skipped = zip(segments.indices, segments.indices.dropFirst()).prefix { start($0.1) <= afterLSN + 1 }.count
        for (position, (firstLSN, name)) in segments.enumerated() where position >= skipped {
            if let throughLSN, firstLSN > throughLSN, expected != nil { break }
            let isNewest = position == segments.count - 1
            var stopAt = position + 1 < segments.count ? start(position + 1) : nil
            if let throughLSN { stopAt = min(stopAt ?? .max, throughLSN + 1) }
            let path = directory + "/" + name
            let file = try storage.open(path, create: false)
            defer { file.close() }
            let bytes = try file.read(at: 0, count: try file.size())
            guard let header = SegmentHeader.decode(bytes), header.firstLSN == firstLSN else {
                if isNewest && !Self.hasValidBatch(bytes, from: 0) {
                    result.repairs.append("\(name): segment header torn at creation, removed")
                    if repair {
                        try storage.remove(path)
                        try storage.syncDirectory(directory)
                    }
                    break
                }
                throw .damaged(file: name, offset: 0, lsn: firstLSN, reason: "bad segment header")
            }
            let resumesAt = firstLSN - LSN(header.skipped)
            if let expected, resumesAt != expected {
                throw .damaged(
                    file: name, offset: 0, lsn: expected,
                    reason: "LSN gap: the segment starts at \(resumesAt), expected \(expected) (missing segment?)")
            }
            if expected == nil, resumesAt > afterLSN + 1 {
                throw .damaged(
                    file: name, offset: 0, lsn: afterLSN + 1,
                    reason: "the log starts at LSN \(resumesAt) but replay needs \(afterLSN + 1)")
            }
            if let chainedCRC, header.previousCRC != chainedCRC {
                throw .damaged(file: name, offset: 0, lsn: firstLSN, reason: "checksum chain broken between segments")
            }
            let end = try Self.replay(
                bytes, name: name, firstLSN: firstLSN, previousCRC: header.previousCRC,
                isNewest: isNewest, afterLSN: afterLSN, stopAt: stopAt, into: &result,
                sink: &sink)
            if end.torn {
                result.repairs.append(
                    "\(name): torn tail at offset \(end.offset) (after LSN \(end.next - 1)) "
                        + (repair ? "truncated" : "would be truncated"))
                if repair { try file.zero(from: end.offset, to: bytes.count) }
            }
            Failpoint.recovery.hit()
            result.lastLSN = max(result.lastLSN, end.next - 1)
            // A log that ends before the snapshot's LSN (`check --fix` cut a range the snapshot covers) cannot take
            // the next LSN where it ends: the writer starts a new segment named after the snapshot's LSN instead,
            // and from then on this segment is skipped like any the snapshot covers.
            result.tail =
                end.next == result.lastLSN + 1
                ? LogTail(path: path, firstLSN: firstLSN, offset: end.offset, lastCRC: end.crc) : nil
            expected = end.next
            chainedCRC = end.crc
        }
        return result
    }

    /// Replays one segment's batches; returns where it ended and whether that end is a torn tail.
    private static func replay<Sink: RecordSink>(
        _ bytes: [UInt8], name: String, firstLSN: LSN, previousCRC: UInt32, isNewest: Bool, afterLSN: LSN,
        stopAt: LSN?, into result: inout RecoveredLog, sink: inout Sink
    ) throws(WALError) -> (offset: Int, next: LSN, crc: UInt32, torn: Bool) {
        var offset = Format.segmentHeaderBytes
        var next = firstLSN
        var crc = previousCRC
        while true {
            if let stopAt, next >= stopAt { return (offset, next, crc, false) }
            switch Batch.read(bytes, at: offset, expectedLSN: next, previousCRC: crc) {
            case .batch(let batch, let batchCRC, let size):
                do throws(ReplayError) {
                    result.records += try sink.replay(
                        batch.payload, count: batch.count, firstLSN: next,
                        atMs: batch.atMs, after: afterLSN)
                } catch {
                    switch error {
                    case .undecodable(let reason):
                        throw WALError.damaged(
                            file: name, offset: offset, lsn: next,
                            reason: "undecodable batch: \(reason)")
                    case .doesNotApply(let lsn, let reason):
                        throw WALError.damaged(
                            file: name, offset: offset, lsn: lsn,
                            reason: "record does not apply: \(reason)")
                    }
                }
                next += LSN(batch.count)
                crc = batchCRC
                offset += size
            case .end:
                guard !Self.hasValidBatch(bytes, from: offset) else {
                    throw .damaged(
                        file: name, offset: offset, lsn: next,
                        reason: "zeros where a batch should be, "
                            + "with valid batches after them")
                }
                return (offset, next, crc, false)
            case .invalid(let reason):
                guard isNewest, !Self.hasValidBatch(bytes, from: offset + 8) else {
                    throw .damaged(file: name, offset: offset, lsn: next, reason: reason)
                }
                return (offset, next, crc, true)
            }
        }
    }

    /// True when some 8-aligned offset at or after `start` holds a batch that passes its own checks.
    static func hasValidBatch(_ bytes: [UInt8], from start: Int) -> Bool {
        var offset = Format.padded(max(start, 0))
        while offset + Format.batchHeaderBytes <= bytes.count {
            if bytes[offset] == 0x53, bytes[offset + 1] == 0x42, bytes[offset + 2] == 0x41, bytes[offset + 3] == 0x54,
                case .batch = Batch.read(bytes, at: offset, expectedLSN: nil, previousCRC: nil)
            {
                return true
            }
            offset += 8
        }
        return false
    }
}

extension StorageFile {
    /// Overwrites `start..<end` with zeros and syncs: what recovery and `check --fix` do to a cut-off tail.
    public func zero(from start: Int, to end: Int) throws(WALError) {
        let chunk = [UInt8](repeating: 0, count: 64 << 10)
        var offset = start
        while offset < end {
            let count = min(chunk.count, end - offset)
            try self.write(count == chunk.count ? chunk : Array(chunk[0..<count]), at: offset)
            offset += count
        }
        try self.sync()
    }
}
