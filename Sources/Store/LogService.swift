import SeatActors
import Synchronization
import WAL

/// The data directory in service: the current log writer and the registry over it, carried through failures.
///
/// When a write or fsync fails, the writer stops for good (see `LogWriter`). `handleFailure` then closes it and
/// reloads the state that is known durable (snapshot plus log through the last durable LSN) into a read-only
/// registry: reads go on, changes get `UNAVAILABLE`. `tryResume` opens a fresh segment after the durable LSN,
/// chained to the last durable batch; once its header is written and fsynced a writable registry takes over.
/// Whatever the failed segment holds past the durable LSN is superseded by the fresh segment (see `Recovery`).
///
/// It is the one place that decides whether a change is durable: `durability(of:)`. Every wait for durability (a
/// connection's replies, the event publisher, snapshots, start-up, tests) goes through it, so a further condition
/// for "durable" (a standby's acknowledgement) is added there and nowhere else.
public final class LogService: Sendable {
    /// Where a failed log ended: durable through `lsn` (its last batch's CRC is `crc`), with LSNs assigned through
    /// `assigned`. The log resumes after `assigned`, so the LSNs of lost changes are never given again.
    struct FailurePoint {
        let lsn: LSN
        let crc: UInt32
        let assigned: LSN
        let reason: String
    }

    /// The registry and log changes go to. A new generation starts when the log fails (read-only, on the durable
    /// state) and when it resumes; each has an epoch, and each ended epoch is remembered with the LSN its changes
    /// are durable through: a reply of an ended epoch that waits for a later LSN waits for a lost change.
    struct Generation {
        var registry: Registry
        /// Nil while the log is unavailable (the registry is read-only).
        var writer: LogWriter?
        /// Set while unavailable: where the durable log ends.
        var failedAt: FailurePoint?
        var epoch = 0
        /// Ended epochs and the last durable LSN of each.
        var ended: [Int: LSN] = [:]

        /// The epoch the next generation gets: its log issues tokens of it.
        var nextEpoch: Int { self.epoch + 1 }

        mutating func next(
            registry: Registry, writer: LogWriter?, failedAt: FailurePoint?,
            durableEnd: LSN, hub: EventHub
        ) {
            self.ended[self.epoch] = durableEnd
            self.epoch += 1
            precondition(registry.log.generation == self.epoch, "a generation's log must issue tokens of its epoch")
            hub.begin(epoch: self.epoch)
            self.registry = registry
            self.writer = writer
            self.failedAt = failedAt
        }
    }

    let generation: Mutex<Generation>
    /// The snapshot being taken, if one is: snapshots are taken one at a time (two at once would write the same
    /// temp file, and one's prune would remove the other's).
    private let snapshotting = Mutex<Task<LSN, any Error>?>(nil)
    public let data: String
    let storage: any Storage
    let options: LogWriter.Options
    let hub: EventHub
    let clock: any WallClock
    let ids: any HoldIDSource
    let keysPerSessionMax: Int
    let eventsRetained: Int
    /// Gives each session the executor its turns run on.
    let executors: @Sendable () -> any SessionExecutor
    /// What opening the data directory found.
    public let opened: DataDirectory.Opened
    /// In a cluster: the standby's acknowledgement and the lease's freshness, asked once the local log is durable.
    public let gate: ReplicationGate?

    /// Opens `data` (recovering it) and starts a writer after its last LSN.
    public init(
        data: String, storage: any Storage = PosixStorage(), segmentBytes: Int = 64 << 20,
        fsync: FsyncPolicy = .always, hub: EventHub = EventHub(), clock: any WallClock = SystemWallClock(),
        ids: any HoldIDSource = SystemHoldIDSource(), slowFsyncMs: Int = 500, commitDelayMicroseconds: Int = 0,
        keysPerSessionMax: Int = Limits.keysPerSessionDefault, eventsRetained: Int = Limits.eventsRetainedDefault,
        executors: @escaping @Sendable () -> any SessionExecutor = { QueueExecutor() },
        gate: ReplicationGate? = nil, onBatch: (@Sendable (LogBatch) -> Void)? = nil
    ) throws(WALError) {
        let opened = try DataDirectory.open(data, storage: storage, eventsRetained: eventsRetained)
        var options = LogWriter.Options(
            directory: DataDirectory.walDirectory(data), segmentBytes: segmentBytes,
            fsync: fsync)
        options.slowFsyncMs = slowFsyncMs
        options.commitDelayMicroseconds = commitDelayMicroseconds
        options.onBatch = onBatch
        let writer = try LogWriter(
            storage: storage, options: options, lastLSN: opened.recovered.lastLSN,
            tail: opened.recovered.tail)
        let registry = Registry(
            state: opened.recovered.state, log: WriterLog(writer, generation: 0), hub: hub,
            clock: clock, ids: ids,
            keysPerSessionMax: keysPerSessionMax, eventsRetained: eventsRetained,
            executors: executors)
        self.executors = executors
        self.generation = Mutex(Generation(registry: registry, writer: writer))
        self.keysPerSessionMax = keysPerSessionMax
        self.eventsRetained = eventsRetained
        self.data = data
        self.storage = storage
        self.options = options
        self.hub = hub
        self.clock = clock
        self.ids = ids
        self.opened = opened
        self.gate = gate
    }

    /// The registry requests go to now.
    public var registry: Registry { self.generation.withLock { $0.registry } }

    /// The registry requests go to now, and its epoch (a reply's `CommitToken` carries it).
    public var current: (registry: Registry, epoch: Int) { self.generation.withLock { ($0.registry, $0.epoch) } }

    /// Whether the change `token` names is durable now, without waiting: the one durability decision. A change of
    /// an ended generation is durable only if it is at or below where that generation's log was durable when it
    /// ended: the rest was lost (and the resumed log never gives those LSNs again).
    public func durability(of token: CommitToken) -> Durability {
        guard token.lsn > 0 else { return .durable }
        let (current, writer, failedAt, end) = self.generation.withLock {
            ($0.epoch, $0.writer, $0.failedAt, $0.ended[token.epoch])
        }
        guard token.epoch == current else {
            guard let end, token.lsn <= end else {
                return .lost(.unavailable("the log failed before this change was durable; it was not applied"))
            }
            return .durable
        }
        guard let writer else {
            // Read-only on the durable state.
            guard let failedAt, token.lsn > failedAt.lsn else { return .durable }
            return .lost(.unavailable(failedAt.reason))
        }
        switch writer.durability(through: token.lsn) {
        case .success(true): return self.gate?.durability(through: token.lsn) ?? .durable
        case .success(false):
            // Waiting for the standby too: its acknowledgement usually comes after the local fsync, so wait for
            // that first (one wake-up instead of two).
            if let gate = self.gate, gate.awaitsAcknowledgement(of: token.lsn) {
                return .waiting(DurabilityTicket(gate: gate, lsn: token.lsn))
            }
            return .waiting(DurabilityTicket(writer: writer, lsn: token.lsn))
        case .failure(let error): return .lost(error.seatError)
        }
    }

    /// Waits until the change `token` names is durable (`durability(of:)`, asked again each time its ticket is
    /// decided); throws `.unavailable` if it never will be.
    public func durable(_ token: CommitToken) async throws(SeatError) {
        while true {
            switch self.durability(of: token) {
            case .durable: return
            case .lost(let error): throw error
            case .waiting(let ticket): await ticket.decided()
            }
        }
    }

    /// Waits until every change made so far is durable (start-up, shutdown, tests).
    public func sync() async throws(SeatError) {
        let log = self.registry.log
        try await self.durable(log.token(through: log.lastLSN))
    }

    /// The last LSN known durable in the current generation.
    public var durableLSN: LSN {
        let (writer, registry) = self.generation.withLock { ($0.writer, $0.registry) }
        return writer?.durableLSN ?? registry.log.lastLSN
    }

    /// The counters of the current generation's writer (nil while the log is unavailable).
    public var logStatistics: LogStats? { self.writer?.statistics }

    /// The writer, nil while the log is unavailable.
    var writer: LogWriter? { self.generation.withLock { $0.writer } }

    /// Why changes are refused, nil while the log takes them.
    public var unavailableReason: String? { self.generation.withLock { $0.failedAt?.reason } }

    /// If the writer has failed: closes it and serves the durable state read-only. Returns true if it switched.
    /// Watchers are cut off with the reason: events they were sent are durable, but those still queued for them
    /// may be of lost changes; they resume with `WATCH from=` from what is durable.
    @discardableResult
    public func handleFailure() throws(WALError) -> Bool {
        guard let writer = self.writer, let failure = writer.failed else { return false }
        let point = writer.durablePoint
        let assigned = writer.lastLSN
        writer.close()
        let reason = "the log cannot be written (\(failure)); serving state durable through LSN \(point.lsn)"
        let state = try self.durableState(through: point.lsn)
        let epoch = self.generation.withLock { $0.nextEpoch }
        let log = UnavailableLog(durableLSN: point.lsn, reason: reason, generation: epoch)
        let readOnly = Registry(
            state: state, log: log, hub: self.hub, clock: self.clock, ids: self.ids,
            keysPerSessionMax: self.keysPerSessionMax,
            eventsRetained: self.eventsRetained, executors: self.executors)
        self.generation.withLock {
            $0.next(
                registry: readOnly, writer: nil,
                failedAt: FailurePoint(lsn: point.lsn, crc: point.crc, assigned: assigned, reason: reason),
                durableEnd: point.lsn, hub: self.hub)
        }
        self.hub.endAll(failing: reason)
        return true
    }

    /// While unavailable: tries to continue the log in a fresh segment. Returns true once changes are taken again.
    @discardableResult
    public func tryResume() throws(WALError) -> Bool {
        guard let point = self.generation.withLock({ $0.failedAt }) else { return false }
        let writer = try LogWriter.resuming(
            storage: self.storage, options: self.options, durableLSN: point.lsn,
            durableCRC: point.crc, assignedLSN: point.assigned)
        let state: RegistryState
        do { state = try self.durableState(through: point.lsn) } catch {
            writer.close()
            throw error
        }
        let epoch = self.generation.withLock { $0.nextEpoch }
        let registry = Registry(
            state: state, log: WriterLog(writer, generation: epoch), hub: self.hub,
            clock: self.clock,
            ids: self.ids, keysPerSessionMax: self.keysPerSessionMax,
            eventsRetained: self.eventsRetained, executors: self.executors)
        self.generation.withLock {
            $0.next(registry: registry, writer: writer, failedAt: nil, durableEnd: point.lsn, hub: self.hub)
        }
        return true
    }

    /// A snapshot that covers every change made before the call (and the deletion of the segments it lets go).
    /// Snapshots are taken one at a time: a call while one is being taken waits for it, and takes another if that
    /// one started too early to cover what this call must.
    @discardableResult
    public func takeSnapshot() async throws(WALError) -> LSN {
        let wanted = self.registry.log.lastLSN
        while true {
            let (task, started) = self.snapshotting.withLock { running -> (Task<LSN, any Error>, Bool) in
                if let running { return (running, false) }
                let task = Task<LSN, any Error> {
                    defer { self.snapshotting.withLock { $0 = nil } }
                    return try await self.snapshotNow()
                }
                running = task
                return (task, true)
            }
            do {
                let lsn = try await task.value
                if started || lsn >= wanted { return lsn }
            } catch let error as WALError {
                throw error
            } catch {
                throw .unavailable("snapshot failed: \(error)")
            }
        }
    }

    private func snapshotNow() async throws(WALError) -> LSN {
        let (registry, writable, epoch) = self.generation.withLock { ($0.registry, $0.writer != nil, $0.epoch) }
        guard writable else { throw .unavailable(self.unavailableReason ?? "log unavailable") }
        return try await Snapshotter(
            registry: registry,
            durable: { (lsn: LSN) async throws(SeatError) in
                try await self.durable(CommitToken(epoch: epoch, lsn: lsn))
            },
            store: SnapshotStore(directory: DataDirectory.snapshotDirectory(self.data), storage: self.storage),
            walDirectory: self.options.directory, storage: self.storage
        ).take()
    }

    /// Watches for a failed writer (every `checkMs`: until the switch to the durable state, reads that reflect
    /// changes the failed writer lost cannot be answered) and resumes when the disk allows, trying every
    /// `retryMs`, until cancelled.
    public func supervise(retryMs: Int = 1_000, checkMs: Int = 50, onEvent: @Sendable (String) -> Void) async {
        var lastTry = ContinuousClock.now
        while !Task.isCancelled {
            // Closing the failed writer and reloading the durable state block: on the I/O thread.
            do {
                if self.writer?.failed != nil,
                    try await BlockingIO.shared.run({ () throws(WALError) in try self.handleFailure() })
                {
                    onEvent(self.unavailableReason ?? "log unavailable")
                }
                if self.unavailableReason != nil, lastTry.duration(to: .now) >= .milliseconds(retryMs) {
                    lastTry = .now
                    if try await BlockingIO.shared.run({ () throws(WALError) in try self.tryResume() }) {
                        onEvent("the log takes changes again")
                    }
                }
            } catch {
                onEvent("the log is still unavailable: \(error)")
            }
            try? await Task.sleep(for: .milliseconds(checkMs))
        }
    }

    /// Closes the writer (everything appended is written and synced first). Blocks until it is: from async code,
    /// call `shutDown()`.
    public func close() {
        self.writer?.close()
    }

    /// `close()` on the I/O thread, so that waiting for the last fsync holds no thread of the cooperative pool.
    public func shutDown() async {
        await BlockingIO.shared.run { self.close() }
    }

    private func durableState(through lsn: LSN) throws(WALError) -> RegistryState {
        let opened = try DataDirectory.open(
            self.data, storage: self.storage, throughLSN: lsn, repair: false,
            eventsRetained: self.eventsRetained)
        guard opened.recovered.lastLSN == lsn else {
            throw .corrupt("the log was durable through LSN \(lsn) but reads back through \(opened.recovered.lastLSN)")
        }
        return opened.recovered.state
    }
}
