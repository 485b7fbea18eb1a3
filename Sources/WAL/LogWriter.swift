import Foundation
import Logging
import Metrics
import Synchronization

/// The log's writer: `append` copies an encoded record into a pending buffer under a lock and gives it the next LSN
/// (it never suspends), and one thread performs group commit. It knows records only as bytes: the `Store` encodes
/// them (and decides, with `durability(through:)`, when a change is durable).
///
/// Group commit: the writer thread takes everything pending (up to one batch's size), writes it as one batch with
/// one `pwrite`, calls `fdatasync` once (policy `always`), then advances the durable LSN and wakes every reply
/// waiting for an LSN at or below it. While one fsync runs, the next batch accumulates, and it is written the
/// moment the fsync returns (Redis's beforeSleep does the same with `appendfsync always`); under load (the last
/// fsync covered a few records) it first gathers for `Options.commitDelayMicroseconds`, so that one fsync covers
/// more requests. A write or fsync error is final for this writer: the fsync is never retried on
/// the same file (after a failed fsync the kernel may have dropped the dirty pages), every waiter gets
/// `.unavailable`, and so does every later append.
public final class LogWriter: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var assigned: LSN
    private var pending = ByteWriter()
    private var pendingEnds: [Int] = []
    private var pendingFirst: LSN = 0
    /// The pending records in runs of one time each: a batch is written with its first record's run's time, and
    /// never across two runs. A primary's records make one run per batch they start (the time the batch began); a
    /// standby's keep the runs of the primary's batches (`appendReplicated`).
    private var pendingTimes: [(records: Int, atMs: Int64)] = []
    /// The buffers of the batch the writer took last, emptied and handed back (`recycle`): the next batch that
    /// takes everything pending swaps them in, so that appending allocates nothing once they have grown.
    private var spareBytes: [UInt8] = []
    private var spareEnds: [Int] = []
    private var durable: LSN
    /// The CRC of the batch that ends at `durable`: a fresh segment after a failure chains to it.
    private var durableCRC: UInt32
    private var failure: WALError?
    /// Who waits for durability: each is called once, off the lock, when the durable LSN reaches `lsn` or the log fails.
    private var waiters: [(lsn: LSN, decided: @Sendable () -> Void)] = []
    private var stopping = false
    private var stopped = false
    private var stats = LogStats()
    /// Set once the writer failed: read without the lock on every change request.
    private let hasFailed = Atomic<Bool>(false)
    // Owned by the writer thread:
    private let storage: any Storage
    private let options: Options
    private var file: (any StorageFile)?
    private var offset = 0
    private var lastCRC: UInt32
    private var lastSyncNs: UInt64 = 0
    private var unsynced = false
    private var recordsSinceSync = 0
    /// Records the last fsync covered (guarded by `condition`): whether a batch waits `commitDelayMicroseconds`.
    private var lastSyncRecords = 0
    /// A batch's bytes as written, and its timed payload: kept from batch to batch.
    private var batchBytes: [UInt8] = []
    private var timedScratch: [UInt8] = []
    private let metrics = WriterMetrics()
    private let logger = Logger(label: "seatd.wal")

    /// A writer that continues the log after `lastLSN`, appending at `tail`. Without a tail it starts a new
    /// segment at the first batch, chained to `chainCRC`; with `freshSegment` it creates that segment now (written
    /// and fsynced, or this throws): how the log resumes in a new file after a failed write or fsync. That segment
    /// says it skips `skipped` LSNs: the log was durable through `lastLSN - skipped`, and the LSNs after it were
    /// given to changes that were lost (`Format`, skipped LSNs).
    public init(
        storage: any Storage = PosixStorage(), options: Options, lastLSN: LSN, tail: LogTail?, chainCRC: UInt32 = 0,
        freshSegment: Bool = false, skipped: UInt64 = 0
    ) throws(WALError) {
        self.storage = storage
        self.options = options
        self.assigned = lastLSN
        self.durable = lastLSN
        self.lastCRC = tail?.lastCRC ?? chainCRC
        self.durableCRC = self.lastCRC
        try storage.makeDirectory(options.directory)
        if let tail {
            self.file = try storage.open(tail.path, create: false)
            self.offset = tail.offset
        } else if freshSegment {
            try self.roll(firstLSN: lastLSN + 1, skipped: skipped)
        }
        // Named from inside: on Linux a name set before start does not reach the kernel's thread name.
        Thread.detachNewThread { [self] in
            Thread.current.name = "seatd-wal"
            self.runWriter()
        }
    }

    // MARK: Appending

    /// Gives the record that `encode` writes (straight into the pending batch, under the lock) the next LSN and
    /// queues it for the next batch. `publish` runs under the lock with the LSN and the batch's time (unix ms)
    /// before the next record is appended. Neither escapes: no context is allocated for them. Throws `.unavailable`
    /// once the log failed or is closing.
    public func append(
        _ encode: (inout ByteWriter) -> Void, publish: (_ lsn: LSN, _ atMs: Int64) -> Void
    ) throws(WALError) -> (lsn: LSN, atMs: Int64) {
        self.condition.lock()
        defer { self.condition.unlock() }
        if let failure = self.failure { throw Self.unwritable(failure) }
        guard !self.stopping else { throw .unavailable("the log is closing") }
        self.assigned += 1
        if self.pendingEnds.isEmpty {
            self.pendingFirst = self.assigned
            self.pendingTimes.removeAll(keepingCapacity: true)
            self.pendingTimes.append((0, Self.nowMs()))
            self.condition.signal()
        }
        encode(&self.pending)
        self.pendingEnds.append(self.pending.bytes.count)
        self.pendingTimes[self.pendingTimes.count - 1].records += 1
        let atMs = self.pendingTimes[self.pendingTimes.count - 1].atMs
        publish(self.assigned, atMs)
        return (self.assigned, atMs)
    }

    /// A standby's append: the records a primary wrote as one batch (`LogBatch`), given the same LSNs and the same
    /// time, so that the standby's log replays to the primary's state and events. Throws `.corrupt` unless the
    /// batch starts right after the last LSN assigned here and its record ends are those of its payload, and
    /// `.unavailable` once the log failed or is closing.
    public func appendReplicated(_ batch: LogBatch) throws(WALError) {
        guard batch.isWellFormed else { throw .corrupt("a replicated batch whose record ends do not fit its bytes") }
        self.condition.lock()
        defer { self.condition.unlock() }
        if let failure = self.failure { throw Self.unwritable(failure) }
        guard !self.stopping else { throw .unavailable("the log is closing") }
        guard batch.firstLSN == self.assigned + 1 else {
            throw .corrupt("a replicated batch at LSN \(batch.firstLSN), but this log is at \(self.assigned)")
        }
        if self.pendingEnds.isEmpty {
            self.pendingFirst = batch.firstLSN
            self.pendingTimes.removeAll(keepingCapacity: true)
            self.condition.signal()
        }
        let base = self.pending.bytes.count
        self.pending.bytes.append(contentsOf: batch.payload)
        self.pendingEnds.append(contentsOf: batch.recordEnds.map { base + $0 })
        self.pendingTimes.append((batch.recordEnds.count, batch.atMs))
        self.assigned += LSN(batch.recordEnds.count)
    }

    /// What every append and waiter gets once the writer failed with `failure`.
    private static func unwritable(_ failure: WALError) -> WALError {
        .unavailable("the log cannot be written: \(failure)")
    }

    public func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value {
        self.condition.lock()
        defer { self.condition.unlock() }
        return body(self.assigned)
    }

    private static func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Returns once every record through `lsn` is durable; throws `.unavailable` if it never will be.
    public func waitDurable(through lsn: LSN) async throws(WALError) {
        while true {
            switch self.durability(through: lsn) {
            case .success(true): return
            case .failure(let error): throw error
            case .success(false):
                await withCheckedContinuation { continuation in
                    self.whenDurable(through: lsn) { continuation.resume() }
                }
            }
        }
    }

    /// Calls `decided` once every record through `lsn` is durable, or once it is known that they never will be
    /// (`durability(through:)` then says which): at once, on the caller's thread, when that is known already, else
    /// on the writer's own thread, where it must not block.
    public func whenDurable(through lsn: LSN, _ decided: @escaping @Sendable () -> Void) {
        self.condition.lock()
        if self.durable >= lsn || self.failure != nil {
            self.condition.unlock()
            decided()
        } else {
            self.waiters.append((lsn, decided))
            self.condition.unlock()
        }
    }

    /// The last LSN assigned.
    public var lastLSN: LSN { self.condition.withLock { self.assigned } }

    /// The last LSN known durable.
    public var durableLSN: LSN { self.condition.withLock { self.durable } }

    /// Whether every record through `lsn` is durable (true), not yet (false), or never will be (the log failed
    /// first): read together, so that a batch made durable just before a failure counts as durable.
    public func durability(through lsn: LSN) -> Result<Bool, WALError> {
        self.condition.withLock {
            if self.durable >= lsn { return .success(true) }
            if let failure = self.failure { return .failure(Self.unwritable(failure)) }
            return .success(false)
        }
    }

    /// The last durable LSN and the CRC of the batch that ends there.
    public var durablePoint: (lsn: LSN, crc: UInt32) { self.condition.withLock { (self.durable, self.durableCRC) } }

    /// The failure that stopped the log, if any.
    public var failed: WALError? { self.condition.withLock { self.failure } }

    /// Why the log takes no changes, or nil: read without the lock until the writer has failed.
    public var refusal: String? {
        guard self.hasFailed.load(ordering: .acquiring) else { return nil }
        return self.failed.map { "the log cannot be written: \($0)" }
    }

    /// Counters for STATS and metrics.
    public var statistics: LogStats { self.condition.withLock { self.stats } }

    /// Writes and syncs everything appended so far, stops the writer thread and closes the segment.
    public func close() {
        self.condition.lock()
        self.stopping = true
        self.condition.broadcast()
        while !self.stopped { self.condition.wait() }
        self.condition.unlock()
    }

    // MARK: The writer thread

    private func runWriter() {
        while let batch = self.nextBatch(waiting: true) {
            var next: (payload: [UInt8], ends: [Int], first: LSN, atMs: Int64)? = batch
            var last: LSN = 0
            var written = 0
            do throws(WALError) {
                // Batches pending already are written before one fsync covers them all: a standby's pending
                // records come in runs of one time each (one per batch of its primary), and each run is a batch.
                while let (payload, ends, first, atMs) = next {
                    next = nil
                    try self.write(payload: payload, count: ends.count, firstLSN: first, atMs: atMs)
                    self.options.onBatch?(LogBatch(firstLSN: first, atMs: atMs, payload: payload, recordEnds: ends))
                    last = first + LSN(ends.count) - 1
                    written += 1
                    self.recycle(payload, ends)
                    next = written < Self.batchesPerFsyncMax ? self.nextBatch(waiting: false) : nil
                }
                try self.syncIfDue()
                self.finish(through: last, crc: self.lastCRC, batches: written)
            } catch {
                self.fail(error)
            }
        }
        if self.failure == nil { try? self.file?.sync() }
        self.file?.close()
        self.condition.withLock {
            self.stopped = true
            self.condition.broadcast()
        }
    }

    /// The most batches one fsync covers.
    static let batchesPerFsyncMax = 64

    /// Waits for pending records (unless not `waiting`) and takes up to one batch of them; nil once stopping with
    /// nothing pending (or, not waiting, when nothing is pending).
    private func nextBatch(waiting: Bool) -> ([UInt8], [Int], LSN, Int64)? {
        self.condition.lock()
        defer { self.condition.unlock() }
        // After a failure nothing more is written: a later batch must never become durable after a lost one.
        guard self.failure == nil else { return nil }
        if !waiting && self.pendingEnds.isEmpty { return nil }
        while self.pendingEnds.isEmpty {
            if self.stopping || self.failure != nil { return nil }
            if case .interval(let ms) = self.options.fsync, self.unsynced {
                let due = Date(timeIntervalSinceNow: Double(ms) / 1_000)
                if !self.condition.wait(until: due), self.pendingEnds.isEmpty {
                    self.condition.unlock()
                    do throws(WALError) { try self.syncNow() } catch { self.fail(error) }
                    self.condition.lock()
                }
            } else {
                self.condition.wait()
            }
        }
        if waiting, self.options.commitDelayMicroseconds > 0, case .always = self.options.fsync,
            self.lastSyncRecords >= Options.commitDelayRecordsMin
        {
            // Under load: let the batch gather (appends do not signal a non-empty batch; closing does).
            let due = Date(timeIntervalSinceNow: Double(self.options.commitDelayMicroseconds) / 1_000_000)
            while !self.stopping, self.condition.wait(until: due) {}
        }
        let limit = min(Format.batchBytesMax - 8, self.options.segmentBytes - Format.segmentHeaderBytes - 64)
        let run = self.pendingTimes[0]
        var count = 1
        while count < run.records && self.pendingEnds[count] <= limit { count += 1 }
        let end = self.pendingEnds[count - 1]
        let first = self.pendingFirst
        if count == run.records {
            self.pendingTimes.removeFirst()
        } else {
            self.pendingTimes[0].records -= count
        }
        var payload: [UInt8] = []
        var ends: [Int] = []
        if count == self.pendingEnds.count {
            // Everything pending: its buffers go to the writer, the spares take their place.
            swap(&payload, &self.pending.bytes)
            swap(&ends, &self.pendingEnds)
            swap(&self.pending.bytes, &self.spareBytes)
            swap(&self.pendingEnds, &self.spareEnds)
        } else {
            payload = Array(self.pending.bytes[0..<end])
            ends = Array(self.pendingEnds[0..<count])
            self.pending.bytes.removeFirst(end)
            self.pendingEnds.removeFirst(count)
            for index in self.pendingEnds.indices { self.pendingEnds[index] -= end }
            self.pendingFirst = first + LSN(count)
        }
        return (payload, ends, first, run.atMs)
    }

    /// Hands a written batch's buffers back for the next batch to reuse (if nothing else holds them).
    private func recycle(_ payload: consuming [UInt8], _ ends: consuming [Int]) {
        var payload = payload
        var ends = ends
        payload.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        self.condition.withLock {
            if payload.capacity > self.spareBytes.capacity { swap(&payload, &self.spareBytes) }
            if ends.capacity > self.spareEnds.capacity { swap(&ends, &self.spareEnds) }
        }
    }

    private func write(payload: [UInt8], count: Int, firstLSN: LSN, atMs: Int64) throws(WALError) {
        let crc = Batch.encode(
            firstLSN: firstLSN, count: count, atMs: atMs, records: payload[...], previousCRC: self.lastCRC,
            into: &self.batchBytes, scratch: &self.timedScratch)
        let bytes = self.batchBytes
        if self.file == nil || self.offset + bytes.count > self.options.segmentBytes {
            try self.roll(firstLSN: firstLSN)
        }
        Failpoint.beforeBatchWrite.hit()
        try self.file!.write(bytes, at: self.offset)
        Failpoint.afterBatchWrite.hit()
        self.offset += bytes.count
        self.lastCRC = crc
        self.unsynced = true
        self.condition.withLock { self.stats.bytesWritten += UInt64(bytes.count) }
        self.metrics.bytes.increment(by: bytes.count)
        self.recordsSinceSync += count
    }

    /// The fsync a written batch asks for: at once with `always`, once the interval has passed with `interval`.
    private func syncIfDue() throws(WALError) {
        if case .always = self.options.fsync { try self.syncNow() }
        if case .interval(let ms) = self.options.fsync,
            DispatchTime.now().uptimeNanoseconds - self.lastSyncNs >= UInt64(ms) * 1_000_000
        {
            try self.syncNow()
        }
    }

    private func syncNow() throws(WALError) {
        guard self.unsynced, let file = self.file else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        Failpoint.beforeFsync.hit()
        try file.sync()
        Failpoint.afterFsync.hit()
        self.lastSyncNs = DispatchTime.now().uptimeNanoseconds
        self.unsynced = false
        let elapsed = self.lastSyncNs - start
        self.condition.withLock {
            self.stats.fsyncs += 1
            self.stats.fsyncNanoseconds += elapsed
        }
        self.metrics.fsync.recordNanoseconds(Int64(elapsed))
        self.metrics.recordsPerFsync.record(self.recordsSinceSync)
        let covered = self.recordsSinceSync
        self.condition.withLock { self.lastSyncRecords = covered }
        self.recordsSinceSync = 0
        if elapsed >= UInt64(self.options.slowFsyncMs) * 1_000_000 {
            self.logger.warning("slow fsync", metadata: ["ms": "\(elapsed / 1_000_000)", "offset": "\(self.offset)"])
        }
    }

    /// Closes the current segment (synced) and starts a new one named by `firstLSN`, skipping `skipped` LSNs.
    private func roll(firstLSN: LSN, skipped: UInt64 = 0) throws(WALError) {
        if let file = self.file {
            try self.syncNow()
            file.close()
            self.file = nil
        }
        let path = self.options.directory + "/" + Format.segmentName(firstLSN: firstLSN)
        let file = try self.storage.open(path, create: true)
        try file.truncate(to: 0)  // a segment left by a failed attempt at this LSN holds nothing durable
        try file.preallocate(size: self.options.segmentBytes)
        Failpoint.segmentRoll.hit()
        try file.write(SegmentHeader.encode(firstLSN: firstLSN, previousCRC: self.lastCRC, skipped: skipped), at: 0)
        try file.sync()
        try self.storage.syncDirectory(self.options.directory)
        self.file = file
        self.offset = Format.segmentHeaderBytes
        self.condition.withLock { self.stats.segments += 1 }
    }

    private func finish(through lsn: LSN, crc: UInt32, batches: Int = 1) {
        let ready: [@Sendable () -> Void] = self.condition.withLock {
            self.durable = lsn
            self.durableCRC = crc
            self.stats.batches += UInt64(batches)
            self.stats.records += UInt64(lsn - self.stats.lastRecordLSN)
            self.stats.lastRecordLSN = lsn
            var ready: [@Sendable () -> Void] = []
            self.waiters.removeAll { waiter in
                guard waiter.lsn <= lsn else { return false }
                ready.append(waiter.decided)
                return true
            }
            return ready
        }
        for decided in ready { decided() }
    }

    private func fail(_ error: WALError) {
        let waiting: [@Sendable () -> Void] = self.condition.withLock {
            self.failure = error
            self.hasFailed.store(true, ordering: .releasing)
            defer { self.waiters.removeAll() }
            return self.waiters.map(\.decided)
        }
        for decided in waiting { decided() }
    }
}
