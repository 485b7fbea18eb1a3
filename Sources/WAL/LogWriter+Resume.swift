/// How a failed log continues: in a fresh segment after every LSN the failed writer handed out.
extension LogWriter {
    /// A writer that continues a log whose writer failed: durable through `durableLSN` (its last batch's CRC is
    /// `durableCRC`), with LSNs assigned through `assignedLSN`. Segments the failed writer left past the durable
    /// LSN hold nothing durable and go first; the fresh segment (written and fsynced before this returns) chains to
    /// the durable log and says how many LSNs it skips, so the LSNs of lost changes are never given again.
    public static func resuming(
        storage: any Storage, options: Options, durableLSN: LSN, durableCRC: UInt32, assignedLSN: LSN
    ) throws(WALError) -> LogWriter {
        try Self.removeUndurableSegments(
            storage: storage, directory: options.directory, durableLSN: durableLSN,
            assignedLSN: assignedLSN)
        return try LogWriter(
            storage: storage, options: options, lastLSN: assignedLSN, tail: nil,
            chainCRC: durableCRC, freshSegment: true, skipped: UInt64(assignedLSN - durableLSN))
    }

    /// A segment the failed writer started past the durable LSN holds nothing durable; so does one started right
    /// after it whose header the failure tore. They go, so that the fresh segment follows the durable log. (A whole
    /// segment that starts right after it stays: recovery reads nothing from it, and it may be the fresh segment of
    /// an earlier resume, whose header says what that resume skipped.)
    private static func removeUndurableSegments(
        storage: any Storage, directory: String, durableLSN: LSN, assignedLSN: LSN
    ) throws(WALError) {
        var removed = false
        for name in try storage.list(directory) {
            guard let first = Format.firstLSN(ofSegment: name), first > durableLSN, first <= assignedLSN + 1 else {
                continue
            }
            let path = directory + "/" + name
            if first == durableLSN + 1 {
                let file = try storage.open(path, create: false)
                let head = try file.read(at: 0, count: min(Format.segmentHeaderBytes, try file.size()))
                file.close()
                if SegmentHeader.decode(head)?.firstLSN == first { continue }
            }
            try storage.remove(path)
            removed = true
        }
        if removed { try storage.syncDirectory(directory) }
    }
}
