/// One batch as the writer wrote it: its first LSN, its time (unix ms), and its records' bytes (encoded, not
/// compressed), with where each record ends. A primary ships these to its standby (`LogWriter.Options.onBatch`),
/// which writes them at the same LSNs (`LogWriter.appendReplicated`).
public struct LogBatch: Sendable, Equatable {
    /// The LSN of the first record.
    public let firstLSN: LSN
    /// When the batch began: the time of every record in it.
    public let atMs: Int64
    /// The records, one after another.
    public let payload: [UInt8]
    /// The offset in `payload` just past each record, ascending; the last is `payload.count`.
    public let recordEnds: [Int]

    public init(firstLSN: LSN, atMs: Int64, payload: [UInt8], recordEnds: [Int]) {
        self.firstLSN = firstLSN
        self.atMs = atMs
        self.payload = payload
        self.recordEnds = recordEnds
    }

    /// The LSN of the last record.
    public var lastLSN: LSN { self.firstLSN + LSN(self.recordEnds.count) - 1 }

    /// At least one record, each of at least one byte, and the ends in order within the payload.
    public var isWellFormed: Bool {
        guard let last = self.recordEnds.last, last == self.payload.count, self.firstLSN > 0 else { return false }
        return zip([0] + self.recordEnds, self.recordEnds).allSatisfy { $0 < $1 }
    }

    /// The records of this batch after `lsn`: the whole batch when it starts after it, nil when none is.
    public func after(_ lsn: LSN) -> LogBatch? {
        guard lsn >= self.firstLSN else { return self }
        let skipped = Int(lsn - self.firstLSN) + 1
        guard skipped < self.recordEnds.count else { return nil }
        let start = self.recordEnds[skipped - 1]
        return LogBatch(
            firstLSN: lsn + 1, atMs: self.atMs, payload: Array(self.payload[start...]),
            recordEnds: self.recordEnds[skipped...].map { $0 - start })
    }
}
