import Dispatch
import Logging
import NATS
import NIOCore
import SeatActors
import ServiceLifecycle
import Store
import Synchronization
import WAL

/// Publishes every event to NATS JetStream, at least once and in seq order: each message carries `Nats-Msg-Id`
/// `<data directory id>-<seq>`, so the stream drops what a retry or a restart sends twice. It reads the sessions'
/// retained history from the last acknowledged seq on, then follows the live events (`HistoryReader` meets the two
/// without a gap), waits until each batch is durable before sending it, and keeps up to `inFlightMax` publishes
/// unacknowledged (`AckTracker`). The acknowledged position is kept in `<data>/nats-acked` (`Position`; written
/// durably a few times a second), so a restart resumes from it; while NATS is down seatd serves as ever and
/// reconnects with backoff. Events the history trimmed before NATS had them are counted (`events_dropped`) and
/// logged as errors.
final class EventPublisher: Service, Sendable {
    private let service: LogService
    private let settings: NATSSettings
    /// `<data>/nats-acked`: where the position is kept.
    private let positionPath: String
    private let subjectParts: [NATSSettings.SubjectPart]
    /// `Nats-Msg-Id: <data directory id>-`: each message's header line up to its seq.
    private let messageIDPrefix: [UInt8]
    private let logger: Logger
    private let position: Mutex<Position>
    private let metrics = PublisherMetrics()

    /// A publisher of `service`'s events. Reads the data directory's id and the position's file: at startup, before
    /// anything is served. A cluster's node names its messages by its shard (`messageIDs`) instead: a shard's seqs
    /// are its LSNs on every node, so JetStream drops what a new primary (or its standby) publishes again.
    init(service: LogService, settings: NATSSettings, logger: Logger, messageIDs: String? = nil) throws {
        self.service = service
        self.settings = settings
        self.logger = logger
        self.positionPath = service.data + "/nats-acked"
        self.subjectParts = settings.subjectParts
        let identity = try messageIDs ?? DataDirectory.identity(service.data)
        self.messageIDPrefix = Array("Nats-Msg-Id: \(identity)-".utf8)
        self.position = Mutex(try Position.load(self.positionPath))
    }

    /// Events trimmed before NATS had them (STATS `events_dropped`).
    var dropped: Int { self.position.withLock { $0.dropped } }

    /// The last acknowledged seq.
    var acked: LSN { self.position.withLock { $0.acked } }

    /// Publishes until the graceful shutdown, while another task keeps the position's file; writes the position a
    /// last time on the way out.
    func run() async throws {
        let keeper = Task { await self.keepPosition() }
        await cancelWhenGracefulShutdown { await self.publishWithReconnects() }
        keeper.cancel()
        await keeper.value
        await self.savePosition(self.position.withLock { $0 })
    }

    /// Connects and publishes until cancelled. After a connection ends it waits and connects again: 0.1 s, doubled
    /// after each failure up to 2 s, and back to 0.1 s once a connection has its stream.
    private func publishWithReconnects() async {
        var backoffMs = 100
        while !Task.isCancelled {
            do {
                try await self.publishUntilFailure { backoffMs = 100 }
            } catch {
                guard !Task.isCancelled else { break }
                self.logger.warning(
                    "NATS publishing stopped; reconnecting",
                    metadata: [
                        "error": "\(error)", "acked": "\(self.acked)", "retry_ms": "\(backoffMs)",
                    ])
            }
            self.metrics.reconnects.increment()
            try? await Task.sleep(for: .milliseconds(backoffMs))
            backoffMs = min(backoffMs * 2, 2_000)
        }
    }

    /// Writes the position when it moved, a few times a second, and sets the lag gauge.
    private func keepPosition() async {
        var saved = self.position.withLock { $0 }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            let now = self.position.withLock { $0 }
            self.metrics.lag.record(Int64(self.service.registry.log.lastLSN) - Int64(now.acked))
            if now != saved {
                await self.savePosition(now)
                saved = now
            }
        }
    }

    /// Writes `position` to its file, on the blocking I/O thread. A failure is logged; the position's next move
    /// writes it again.
    private func savePosition(_ position: Position) async {
        do { try await position.save(to: self.positionPath) } catch {
            self.logger.error("cannot save the NATS position", metadata: ["error": "\(error)"])
        }
    }

    /// One connection's life: connect, make sure the stream exists, catch up from the history, then follow the
    /// live events. Returns or throws when anything fails; the caller reconnects and resumes from `acked`.
    private func publishUntilFailure(connected: () -> Void) async throws {
        let connection = try await NATSConnection.connect(
            host: self.settings.host, port: self.settings.port, name: "seatd")
        defer { connection.close() }
        // Closing the connection fails every wait below (acknowledgements, room in the window, the close watch).
        try await withTaskCancellationHandler {
            try await self.publish(on: connection, connected: connected)
        } onCancel: {
            connection.close()
        }
    }

    /// On one connection: makes sure the stream exists (then calls `connected`), sends the history from the
    /// acknowledged position on, then the live events.
    private func publish(on connection: NATSConnection, connected: () -> Void) async throws {
        try await self.ensureStream(connection)
        connected()
        let registry = self.service.registry
        // A sink rather than a stream: it takes the live events in batches, with no wake-up per event.
        let (sink, through) = registry.log.withAppendsHeld { last in
            (registry.hub.sink(after: last, bufferMax: self.settings.inFlightMax * 8), last)
        }
        defer { sink.cancel() }
        let tracker = AckTracker(metrics: self.metrics) { passed in self.moveAcked(past: passed) }
        try await self.catchUp(registry, through: through, on: connection, tracker: tracker)
        try await self.follow(sink, of: registry.log, on: connection, tracker: tracker)
    }

    /// Moves the position past events JetStream acknowledged.
    private func moveAcked(past passed: [AckTracker.Sent]) {
        guard let last = passed.last else { return }
        self.position.withLock { position in
            position.acked = max(position.acked, last.seq)
            for entry in passed { position.ackedBySession[entry.session, default: 0] += 1 }
        }
    }

    /// Sends the sessions' retained history after the acknowledged position, through `through` (where the live
    /// events start), and counts what the history trimmed before NATS had it.
    private func catchUp(
        _ registry: Registry, through: LSN, on connection: NATSConnection, tracker: AckTracker
    ) async throws {
        let from = self.acked + 1
        var reader = HistoryReader(sessions: registry.sessions, from: from, through: through)
        let startGaps = await reader.start()
        self.record(startGaps, from: from)
        var gapsSeen = startGaps.count
        self.logger.info(
            "publishing events to NATS",
            metadata: [
                "server": "\(self.settings.host):\(self.settings.port)", "stream": "\(self.settings.stream)",
                "from": "\(from)", "through": "\(through)",
            ])
        while true {
            let page = await reader.next(max: 1_024)
            if reader.gaps.count > gapsSeen {
                self.record(Array(reader.gaps[gapsSeen...]), from: from)
                gapsSeen = reader.gaps.count
            }
            if page.isEmpty { break }
            try await self.send(page, of: registry.log, on: connection, tracker: tracker)
        }
    }

    /// Sends the live events, gathered in the sink while the last batch is sent, until the sink or the connection
    /// ends.
    private func follow(
        _ sink: EventSink, of log: any ChangeLog, on connection: NATSConnection, tracker: AckTracker
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while var batch = await sink.takeAll() {
                    // Linger a little for more (as Kafka's linger.ms): a busy server then sends a few large writes
                    // a second instead of one per group commit, which costs NATS much less per message.
                    if batch.count < Self.groupMax, Self.lingerMs > 0 {
                        try? await Task.sleep(for: .milliseconds(Self.lingerMs))
                        batch += sink.takeNow()
                    }
                    try await self.send(batch, of: log, on: connection, tracker: tracker)
                }
                if let failure = sink.failed { throw NATSPublishError.logFailed(failure) }
                if sink.overflowed { throw NATSPublishError.fellBehind }
                throw CancellationError()
            }
            group.addTask {
                try? await connection.closeFuture.get()
                throw NATSPublishError.connection(try await connection.failure.get())
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The most messages one acknowledgement confirms (a group, see `AckTracker`).
    static let groupMax = 256

    /// How long the live path waits for more events once it has fewer than a group: the price of fewer, larger
    /// writes to NATS is up to this much more publish latency.
    static let lingerMs = 50

    /// Sends `events` (changes `log` took) once they are durable, waiting while too many are unacknowledged.
    private func send<Event: OutgoingEvent>(
        _ events: [Event], of log: any ChangeLog, on connection: NATSConnection, tracker: AckTracker
    ) async throws {
        guard let last = events.last else { return }
        if let failure = tracker.failure { throw failure }
        // One wait for the batch: every event in it is at or below the last one's seq.
        try await self.service.durable(log.token(through: last.seq))
        var start = 0
        while start < events.count {
            try await tracker.waitForRoom(below: self.settings.inFlightMax)
            let end = min(events.count, start + max(1, self.settings.inFlightMax - tracker.inFlight))
            let slice = events[start..<end]
            // Each message acknowledged, or groups whose last message's ack checks them all (see `AckTracker`).
            let grouped = tracker.checksByStreamSeq
            let batch = self.batch(of: slice, grouped: grouped, on: connection)
            let sentNs = DispatchTime.now().uptimeNanoseconds
            let replies = connection.send(batch)
            for (group, reply) in zip(Self.groups(of: slice, grouped: grouped), replies) {
                tracker.track(group.map { ($0.seq, $0.sessionID) }, grouped: grouped, reply, sentNs: sentNs)
            }
            start = end
        }
    }

    /// The messages of `slice`, framed: each with a reply inbox, or when `grouped` only the last of each group.
    private func batch<Event: OutgoingEvent>(
        of slice: ArraySlice<Event>, grouped: Bool, on connection: NATSConnection
    ) -> NATSPublishBatch {
        var batch = connection.makeBatch(capacity: slice.count)
        for (index, event) in zip(slice.indices, slice) {
            let lastOfGroup = (index - slice.startIndex) % Self.groupMax == Self.groupMax - 1
            batch.append(reply: !grouped || lastOfGroup || index == slice.endIndex - 1) { subject, headers, payload in
                event.writeSubject(self.subjectParts, into: &subject)
                event.writeMessageID(prefix: self.messageIDPrefix, into: &headers)
                event.writeJSON(into: &payload)
            }
        }
        return batch
    }

    /// What each reply of a `batch` confirms, in order: groups of `groupMax` (the last one shorter), or single
    /// events.
    private static func groups<Event>(of slice: ArraySlice<Event>, grouped: Bool) -> [ArraySlice<Event>] {
        let size = grouped ? Self.groupMax : 1
        return stride(from: slice.startIndex, to: slice.endIndex, by: size).map { start in
            slice[start..<min(start + size, slice.endIndex)]
        }
    }

    /// Creates the stream (`NATSSettings.streamConfig`) when JetStream has none.
    private func ensureStream(_ connection: NATSConnection) async throws {
        let jetStream = JetStream(connection)
        let config = self.settings.streamConfig
        do {
            if try await jetStream.streamInfo(config.name) != nil { return }
            _ = try await jetStream.createStream(config)
        } catch let error as JetStream.RequestError {
            throw NATSPublishError.jetStream(error)
        }
        self.logger.notice(
            "created the JetStream stream",
            metadata: [
                "stream": "\(config.name)", "subjects": "\(self.settings.streamSubjects)",
            ])
    }

    /// Counts and logs events a session trimmed before they were acknowledged.
    private func record(_ gaps: [HistoryReader.Gap], from: LSN) {
        for gap in gaps {
            let lost = self.position.withLock { position -> Int in
                let lost = max(0, gap.trimmedTotal - (position.ackedBySession[gap.session] ?? 0))
                position.dropped += lost
                // Those events will never be acknowledged: count them as passed, so they are not counted again.
                position.ackedBySession[gap.session, default: 0] += lost
                return lost
            }
            self.metrics.dropped.increment(by: lost)
            self.logger.error(
                "events were trimmed from the history before NATS had them: they are lost to NATS",
                metadata: [
                    "session": "\(gap.session)", "events_lost": "\(lost)", "from": "\(from)",
                    "oldest_retained": "\(gap.oldest)",
                    "hint": "raise events.retain_per_session or keep NATS up",
                ])
        }
    }
}
