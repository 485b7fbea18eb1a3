import DequeModule
import Dispatch
import Logging
import Metrics
import NATS
import NIOCore
import SeatActors
import ServiceLifecycle
import Synchronization
import Store
import WAL

/// Where and how events go to NATS JetStream (`events.*` in the configuration).
struct NATSSettings: Sendable, Equatable {
    var host = "127.0.0.1"
    var port = 4222
    /// The subject of an event: `<type>` and `<session>` are filled in (`seatd.<type>.<session>`).
    var subject = "seatd.<type>.<session>"
    /// The JetStream stream; created when missing, over the subjects the template can make.
    var stream = "SEATD"
    /// Publishes sent and not yet acknowledged, at most.
    var inFlightMax = 8_192

    /// Parses `nats://host:port` (the port defaults to 4222).
    static func address(_ url: String) -> (host: String, port: Int)? {
        guard url.hasPrefix("nats://") else { return nil }
        let rest = url.dropFirst(7)
        let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, !host.contains("/") else { return nil }
        guard parts.count == 2 else { return (String(host), 4222) }
        guard let port = Int(parts[1]), (1...65_535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// A template is dot-separated tokens, each literal (`A-Z a-z 0-9 _ -`) or `<type>` or `<session>`, and
    /// starts with a literal, so that the stream's subjects (`<literal prefix>.>`) catch everything it makes.
    static func isValidSubject(_ template: String) -> Bool {
        let tokens = template.split(separator: ".", omittingEmptySubsequences: false)
        guard let first = tokens.first, first != "<type>", first != "<session>" else { return false }
        return tokens.allSatisfy { token in
            token == "<type>" || token == "<session>"
                || (!token.isEmpty && token.utf8.allSatisfy { byte in
                    (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 || byte == 45
                })
        }
    }

    /// The stream's subjects: the template's literal tokens up to the first placeholder, then `>`.
    var streamSubjects: String {
        let literal = self.subject.split(separator: ".").prefix { $0 != "<type>" && $0 != "<session>" }
        return literal.joined(separator: ".") + ".>"
    }

    /// A piece of the subject template.
    enum SubjectPart: Sendable, Equatable {
        case literal([UInt8]), type, session
    }

    /// The template as literal bytes and placeholders.
    var subjectParts: [SubjectPart] {
        var parts: [SubjectPart] = []
        var rest = self.subject[...]
        while !rest.isEmpty {
            let type = rest.range(of: "<type>")
            let session = rest.range(of: "<session>")
            guard let next = [type, session].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound }) else {
                parts.append(.literal(Array(rest.utf8)))
                break
            }
            if next.lowerBound > rest.startIndex { parts.append(.literal(Array(rest[..<next.lowerBound].utf8))) }
            parts.append(next == type ? .type : .session)
            rest = rest[next.upperBound...]
        }
        return parts
    }
}

/// Publishes every event to NATS JetStream, at least once and in seq order: each message carries `Nats-Msg-Id`
/// `<data directory id>-<seq>`, so the stream drops what a retry or a restart sends twice. It reads the sessions'
/// retained history from the last acknowledged seq on, then follows the live events (`HistoryReader` meets the two
/// without a gap), waits until each batch is durable before sending it, and keeps up to `inFlightMax` publishes
/// unacknowledged. The acknowledged position is kept in `<data>/nats-acked` (written durably a few times a
/// second), so a restart resumes from it; while NATS is down seatd serves as ever and reconnects with backoff.
/// Events the history trimmed before NATS had them are counted (`events_dropped`) and logged as errors.
final class EventPublisher: Service, Sendable {
    /// The publisher's position, shared with STATS and the metrics.
    struct Position: Sendable, Equatable {
        /// Every event with a seq at or below it is acknowledged by JetStream.
        var acked: LSN = 0
        /// Events acknowledged per session (to count what a trimmed history lost).
        var ackedBySession: [String: Int] = [:]
        /// Events that were trimmed from the history before NATS had them.
        var dropped = 0

        var text: String {
            var lines = ["acked \(self.acked)", "dropped \(self.dropped)"]
            for (session, count) in self.ackedBySession.sorted(by: { $0.key < $1.key }) { lines.append("session \(session) \(count)") }
            return lines.joined(separator: "\n") + "\n"
        }

        init() {}

        init?(text: String) {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                switch (fields.first, fields.count) {
                case ("acked", 2): guard let value = LSN(fields[1]) else { return nil }; self.acked = value
                case ("dropped", 2): guard let value = Int(fields[1]) else { return nil }; self.dropped = value
                case ("session", 3): guard let value = Int(fields[2]) else { return nil }; self.ackedBySession[String(fields[1])] = value
                default: return nil
                }
            }
        }
    }

    private let service: LogService
    private let settings: NATSSettings
    private let directoryID: String
    private let statePath: String
    private let subjectParts: [NATSSettings.SubjectPart]
    /// `Nats-Msg-Id: <data directory id>-`: each message's header line up to its seq.
    private let messageIDPrefix: [UInt8]
    private let logger: Logger
    private let position: Mutex<Position>
    private let metrics = PublisherMetrics()

    init(service: LogService, settings: NATSSettings, logger: Logger) throws {
        self.service = service
        self.settings = settings
        self.logger = logger
        self.directoryID = try DataDirectory.identity(service.data)
        self.statePath = service.data + "/nats-acked"
        self.subjectParts = settings.subjectParts
        self.messageIDPrefix = Array("Nats-Msg-Id: \(self.directoryID)-".utf8)
        var position = Position()
        if let bytes = try DataDirectory.readFile(self.statePath) {
            guard let read = Position(text: String(decoding: bytes, as: UTF8.self)) else {
                throw WALError.corrupt("\(self.statePath) is not the NATS publisher's position")
            }
            position = read
        }
        self.position = Mutex(position)
    }

    /// Events trimmed before NATS had them (STATS `events_dropped`).
    var dropped: Int { self.position.withLock { $0.dropped } }

    /// The last acknowledged seq.
    var acked: LSN { self.position.withLock { $0.acked } }

    func run() async throws {
        let keeper = Task { await self.keepPosition() }
        await cancelWhenGracefulShutdown {
            var backoffMs = 100
            while !Task.isCancelled {
                do {
                    try await self.publishUntilFailure { backoffMs = 100 }
                } catch {
                    guard !Task.isCancelled else { break }
                    self.logger.warning("NATS publishing stopped; reconnecting", metadata: [
                        "error": "\(error)", "acked": "\(self.acked)", "retry_ms": "\(backoffMs)",
                    ])
                }
                self.metrics.reconnects.increment()
                try? await Task.sleep(for: .milliseconds(backoffMs))
                backoffMs = min(backoffMs * 2, 2_000)
            }
        }
        keeper.cancel()
        self.savePosition()
    }

    /// Writes the position when it moved, a few times a second, and sets the lag gauge.
    private func keepPosition() async {
        var saved = self.position.withLock { $0 }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            let now = self.position.withLock { $0 }
            self.metrics.lag.record(Int64(self.service.registry.log.lastLSN) - Int64(now.acked))
            if now != saved {
                self.savePosition()
                saved = now
            }
        }
    }

    private func savePosition() {
        let text = self.position.withLock { $0.text }
        do { try DataDirectory.writeFile(self.statePath, Array(text.utf8)) } catch {
            self.logger.error("cannot save the NATS position", metadata: ["error": "\(error)"])
        }
    }

    /// One connection's life: connect, make sure the stream exists, catch up from the history, then follow the
    /// live events. Returns or throws when anything fails; the caller reconnects and resumes from `acked`.
    private func publishUntilFailure(connected: () -> Void) async throws {
        let connection = try await NATSConnection.connect(host: self.settings.host, port: self.settings.port, name: "seatd")
        defer { connection.close() }
        // Closing the connection fails every wait below (acknowledgements, room in the window, the close watch).
        try await withTaskCancellationHandler {
            try await self.publish(on: connection, connected: connected)
        } onCancel: {
            connection.close()
        }
    }

    private func publish(on connection: NATSConnection, connected: () -> Void) async throws {
        try await self.ensureStream(connection)
        connected()
        let (registry, epoch) = self.service.current
        // A sink rather than a stream: it takes the live events in batches, with no wake-up per event.
        let (sink, through) = registry.log.withAppendsHeld { last in
            (registry.hub.sink(bufferMax: self.settings.inFlightMax * 8), last)
        }
        defer { sink.cancel() }
        let tracker = AckTracker(metrics: self.metrics) { passed in
            self.position.withLock { position in
                position.acked = max(position.acked, passed.last!.seq)
                for entry in passed { position.ackedBySession[entry.session, default: 0] += 1 }
            }
        }
        let from = self.acked + 1
        var reader = HistoryReader(sessions: registry.sessions, from: from, through: through)
        var gapsSeen = 0
        let startGaps = await reader.start()
        self.record(startGaps, from: from)
        gapsSeen = startGaps.count
        self.logger.info("publishing events to NATS", metadata: [
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
            try await self.send(page, epoch: epoch, on: connection, tracker: tracker)
        }
        // Live events, gathered in the sink while the last batch is sent.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while var batch = await sink.takeAll() {
                    // Linger a little for more (as Kafka's linger.ms): a busy server then sends a few large writes
                    // a second instead of one per group commit, which costs NATS much less per message.
                    if batch.count < Self.groupMax, Self.lingerMs > 0 {
                        try? await Task.sleep(for: .milliseconds(Self.lingerMs))
                        batch += sink.takeNow()
                    }
                    try await self.send(batch, epoch: epoch, on: connection, tracker: tracker)
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

    /// Sends `events` once they are durable, waiting while too many are unacknowledged.
    private func send<Event: OutgoingEvent>(
        _ events: [Event], epoch: Int, on connection: NATSConnection, tracker: AckTracker
    ) async throws {
        guard let last = events.last else { return }
        if let failure = tracker.failure { throw failure }
        // One wait for the batch: every event in it is at or below the last one's seq.
        try await self.service.durable(CommitToken(epoch: epoch, lsn: last.seq))
        var start = 0
        while start < events.count {
            try await tracker.waitForRoom(below: self.settings.inFlightMax)
            let end = min(events.count, start + max(1, self.settings.inFlightMax - tracker.inFlight))
            let slice = events[start..<end]
            var batch = connection.makeBatch(capacity: slice.count)
            // Each message acknowledged, or groups whose last message's ack checks them all (see `AckTracker`).
            let grouped = tracker.checksByStreamSeq
            for (index, event) in zip(slice.indices, slice) {
                let reply = !grouped || index == slice.endIndex - 1 || (index - slice.startIndex) % Self.groupMax == Self.groupMax - 1
                batch.append(reply: reply) { subject, headers, payload in
                    event.writeSubject(self.subjectParts, into: &subject)
                    headers.writeBytes(self.messageIDPrefix)
                    headers.writeDecimal(event.seq)
                    headers.writeStaticString("\r\n")
                    event.writeJSON(into: &payload)
                }
            }
            let sentNs = DispatchTime.now().uptimeNanoseconds
            let replies = connection.send(batch)
            if grouped {
                for (group, reply) in zip(stride(from: slice.startIndex, to: slice.endIndex, by: Self.groupMax), replies) {
                    tracker.track(slice[group..<min(group + Self.groupMax, slice.endIndex)], grouped: true, reply, sentNs: sentNs)
                }
            } else {
                for (index, reply) in zip(slice.indices, replies) {
                    tracker.track(slice[index...index], grouped: false, reply, sentNs: sentNs)
                }
            }
            start = end
        }
    }

    /// A hold id as its 16 hex digits (`HoldID.description`) without building a string.
    static func writeHex(_ raw: UInt64, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16) { bytes in
            for index in 0..<16 {
                let digit = UInt8((raw >> (60 - 4 * UInt64(index))) & 0xF)
                bytes[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            }
            return 16
        }
    }

    /// Creates the stream when JetStream says it has none.
    private func ensureStream(_ connection: NATSConnection) async throws {
        let name = self.settings.stream
        let info = try await connection.request(NATSRequest(subject: "$JS.API.STREAM.INFO.\(name)", payload: ByteBuffer()))
        if info.status == 503 { throw NATSPublishError.jetStream("JetStream is not enabled on the server (no responders)") }
        let text = String(buffer: info.payload)
        guard text.contains(#""error""#) else { return }
        guard text.contains("10059") || text.contains(#""code":404"#) else { throw NATSPublishError.jetStream(text) }
        // Duplicates are recognised for two minutes (JetStream's default; the stream keeps every id of the window in
        // memory): a reconnect or restart resends at most what was unacknowledged, right away.
        let config = #"{"name":""# + name + #"","subjects":[""# + self.settings.streamSubjects
            + #""],"storage":"file","retention":"limits","duplicate_window":120000000000}"#
        let created = try await connection.request(
            NATSRequest(subject: "$JS.API.STREAM.CREATE.\(name)", payload: ByteBuffer(string: config)))
        let answer = String(buffer: created.payload)
        if answer.contains(#""error""#) { throw NATSPublishError.jetStream("cannot create stream \(name): \(answer)") }
        self.logger.notice("created the JetStream stream", metadata: ["stream": "\(name)", "subjects": "\(self.settings.streamSubjects)"])
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
            self.logger.error("events were trimmed from the history before NATS had them: they are lost to NATS", metadata: [
                "session": "\(gap.session)", "events_lost": "\(lost)", "from": "\(from)",
                "oldest_retained": "\(gap.oldest)", "hint": "raise events.retain_per_session or keep NATS up",
            ])
        }
    }
}

/// Why one publishing connection ended.
enum NATSPublishError: Error, CustomStringConvertible {
    case jetStream(String)
    case refused(String)
    case connection(NATSError?)
    case logFailed(String)
    case fellBehind

    var description: String {
        switch self {
        case .jetStream(let text): "JetStream: \(text)"
        case .refused(let text): "JetStream refused a publish: \(text)"
        case .connection(let error): "the NATS connection closed" + (error.map { ": \($0)" } ?? "")
        case .logFailed(let reason): "the log failed (\(reason)); resuming from what is durable"
        case .fellBehind: "live events came faster than NATS acknowledged them; resuming from the history"
        }
    }
}

/// The publishes in flight, in seq order, and how each is confirmed. Acknowledgements complete on the
/// connection's event loop; the acknowledged position only moves past a seq once everything before it is
/// acknowledged too.
///
/// Two ways to confirm, chosen per group of messages (`checksByStreamSeq`):
/// - **each message acknowledged**: every publish carries a reply inbox. Used when a connection starts, because
///   what it sends first may be in the stream already (a resend after a reconnect or a restart; JetStream answers
///   those `"duplicate":true`).
/// - **a group checked by the stream's sequence**: only the group's last message carries a reply inbox. JetStream
///   stores one stream's messages in the order they arrive on a connection, so when the last one's ack says the
///   stream's sequence is exactly the previous one plus the group's size, and no duplicate, every message of the
///   group was stored, once. Anything else (a duplicate, a message refused, another publisher on the stream) fails
///   the connection, and the next one resends from the acknowledged position with each message acknowledged. Used
///   once an ack of a new message (not a duplicate) has given the stream's sequence. It saves JetStream an ack and
///   seatd a future per message.
final class AckTracker: Sendable {
    private struct Entry {
        /// The seqs and sessions of the events the entry confirms, oldest first.
        var events: [(seq: LSN, session: String)]
        /// True for a group checked by the stream's sequence.
        var grouped: Bool
        /// The ack, once it came: the stream's sequence and whether JetStream called it a duplicate.
        var ack: (streamSeq: UInt64, duplicate: Bool)?
    }

    private struct State {
        var entries: Deque<Entry> = []
        var inFlight = 0
        /// The stream's sequence after the last confirmed message, once known.
        var streamSeq: UInt64?
        var failure: NATSPublishError?
        var waiter: (limit: Int, continuation: CheckedContinuation<Void, Never>)?
    }

    private let state = Mutex(State())
    /// Called with the seqs and sessions the acknowledged position moved past, in order.
    private let passed: @Sendable ([(seq: LSN, session: String)]) -> Void
    private let metrics: PublisherMetrics

    init(metrics: PublisherMetrics, passed: @escaping @Sendable ([(seq: LSN, session: String)]) -> Void) {
        self.passed = passed
        self.metrics = metrics
    }

    var inFlight: Int { self.state.withLock { $0.inFlight } }
    var failure: NATSPublishError? { self.state.withLock { $0.failure } }

    /// True once groups may be checked by the stream's sequence instead of an ack per message.
    var checksByStreamSeq: Bool { self.state.withLock { $0.streamSeq != nil } }

    /// Tracks the events of one reply: a single event, or a group whose last message carries the reply.
    func track<Event: OutgoingEvent>(
        _ events: ArraySlice<Event>, grouped: Bool, _ reply: EventLoopFuture<NATSMessage>, sentNs: UInt64
    ) {
        let entry = Entry(events: events.map { ($0.seq, $0.sessionID) }, grouped: grouped)
        let id = self.state.withLock { state -> LSN in
            state.entries.append(entry)
            state.inFlight += entry.events.count
            return entry.events.last!.seq
        }
        reply.whenComplete { result in
            switch result {
            case .success(let message):
                guard message.status == nil, let ack = Self.parseAck(message.payload.readableBytesView) else {
                    self.fail(.refused(message.status.map { "status \($0)" } ?? String(buffer: message.payload)))
                    return
                }
                self.metrics.latency.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- sentNs))
                self.acknowledge(id, ack)
            case .failure(let error):
                self.fail(.connection(error as? NATSError))
            }
        }
    }

    /// `{"stream":"SEATD","seq":12}` or with `"duplicate":true`: the sequence and the flag; nil for an error reply.
    static func parseAck(_ bytes: ByteBufferView) -> (streamSeq: UInt64, duplicate: Bool)? {
        let text = Array(bytes)
        func find(_ needle: String) -> Int? {
            let pattern = Array(needle.utf8)
            guard text.count >= pattern.count else { return nil }
            for start in 0...(text.count - pattern.count) where text[start] == pattern[0] {
                if text[start..<(start + pattern.count)].elementsEqual(pattern) { return start + pattern.count }
            }
            return nil
        }
        guard find(#""error""#) == nil, var index = find(#""seq":"#) else { return nil }
        var value: UInt64 = 0
        var digits = 0
        while index < text.count, text[index] >= 48, text[index] <= 57 {
            value = value * 10 + UInt64(text[index] - 48)
            index += 1
            digits += 1
        }
        guard digits > 0 else { return nil }
        return (value, find(#""duplicate":true"#) != nil)
    }

    private func acknowledge(_ id: LSN, _ ack: (streamSeq: UInt64, duplicate: Bool)) {
        var passed: [(seq: LSN, session: String)] = []
        var failure: NATSPublishError? = nil
        let resume: CheckedContinuation<Void, Never>? = self.state.withLock { state in
            // Acknowledgements come in order almost always: look from the front.
            guard let index = state.entries.firstIndex(where: { $0.events.last!.seq == id }) else { return nil }
            state.entries[index].ack = ack
            while let first = state.entries.first, let ack = first.ack {
                if first.grouped {
                    guard let before = state.streamSeq, !ack.duplicate,
                        ack.streamSeq == before + UInt64(first.events.count)
                    else {
                        failure = .refused("a group of \(first.events.count) did not land as expected (stream sequence "
                                           + "\(ack.streamSeq), expected \(state.streamSeq.map { $0 + UInt64(first.events.count) } ?? 0))")
                        break
                    }
                    state.streamSeq = ack.streamSeq
                } else if !ack.duplicate {
                    // A new message: from here on the stream's sequence is known, and groups can be checked by it.
                    state.streamSeq = ack.streamSeq
                }
                passed += first.events
                state.inFlight -= first.events.count
                state.entries.removeFirst()
            }
            guard failure == nil, let waiter = state.waiter, state.inFlight < waiter.limit else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        if !passed.isEmpty {
            self.passed(passed)
            self.metrics.published.increment(by: passed.count)
        }
        resume?.resume()
        if let failure { self.fail(failure) }
    }

    private func fail(_ error: NATSPublishError) {
        let resume = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.failure = state.failure ?? error
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        resume?.resume()
    }

    /// Returns once fewer than `limit` publishes are in flight; throws the failure if one came.
    func waitForRoom(below limit: Int) async throws {
        while true {
            if let failure = self.failure { throw failure }
            if self.inFlight < limit { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = self.state.withLock { state -> Bool in
                    if state.failure != nil || state.inFlight < limit { return true }
                    state.waiter = (limit, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }
}

/// The publisher's metrics (`docs/operations.md`).
struct PublisherMetrics: Sendable {
    let published = Counter(label: "seatd_events_published_total")
    let latency = Metrics.Timer(label: "seatd_event_publish_seconds")
    let lag = Gauge(label: "seatd_events_lag")
    let reconnects = Counter(label: "seatd_nats_reconnects_total")
    let dropped = Counter(label: "seatd_events_dropped_total")
}

/// What the publisher sends: an event read from the history (`ChangeEvent`) or a live one as the log published it
/// (`PublishedEvent`, written straight from the session's form without building seat labels first). Each writes
/// its subject and its payload, `{"seq":..,"type":..,"session":..,"hold":..,"customer":..,"items":[..],"ref":..,
/// "ms":..}`, into the batch's buffers. Every field but the kinds is an id of `A-Z a-z 0-9 . _ : -` or a number, so
/// nothing needs escaping.
protocol OutgoingEvent: Sendable {
    var seq: LSN { get }
    var sessionID: String { get }
    var kind: ChangeEvent.Kind { get }
    func writeItems(into buffer: inout ByteBuffer)
    var holdID: HoldID? { get }
    var customer: String { get }
    var ref: String? { get }
    var atMs: Int64 { get }
}

extension OutgoingEvent {
    func writeSubject(_ parts: [NATSSettings.SubjectPart], into buffer: inout ByteBuffer) {
        for part in parts {
            switch part {
            case .literal(let bytes): buffer.writeBytes(bytes)
            case .type: buffer.writeString(self.kind.rawValue)
            case .session: buffer.writeString(self.sessionID)
            }
        }
    }

    func writeJSON(into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"seq":"#)
        buffer.writeDecimal(self.seq)
        buffer.writeStaticString(#","type":""#)
        buffer.writeString(self.kind.rawValue)
        buffer.writeStaticString(#"","session":""#)
        buffer.writeString(self.sessionID)
        if let hold = self.holdID {
            buffer.writeStaticString(#"","hold":""#)
            EventPublisher.writeHex(hold.raw, into: &buffer)
            buffer.writeStaticString(#"","customer":""#)
        } else {
            buffer.writeStaticString(#"","hold":null,"customer":""#)
        }
        buffer.writeString(self.customer)
        buffer.writeStaticString(#"","items":["#)
        self.writeItems(into: &buffer)
        if let ref = self.ref {
            buffer.writeStaticString(#"],"ref":""#)
            buffer.writeString(ref)
            buffer.writeStaticString(#"","ms":"#)
        } else {
            buffer.writeStaticString(#"],"ref":null,"ms":"#)
        }
        buffer.writeDecimal(UInt64(max(self.atMs, 0)))
        buffer.writeStaticString("}")
    }

    /// `"A1","A2","pit:2"`: seats, then places.
    static func writeItem(_ row: String, _ number: Int, first: Bool, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(first ? #"""# : #",""#)
        buffer.writeString(row)
        buffer.writeDecimal(UInt64(number))
        buffer.writeStaticString(#"""#)
    }

    static func writePlace(_ area: String, _ count: Int, first: Bool, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(first ? #"""# : #",""#)
        buffer.writeString(area)
        buffer.writeStaticString(":")
        buffer.writeDecimal(UInt64(count))
        buffer.writeStaticString(#"""#)
    }
}

extension ChangeEvent: OutgoingEvent {
    var sessionID: String { self.session }

    func writeItems(into buffer: inout ByteBuffer) {
        for (index, seat) in self.seats.enumerated() {
            Self.writeItem(seat.row, seat.number, first: index == 0, into: &buffer)
        }
        for (index, place) in self.places.enumerated() {
            Self.writePlace(place.area, place.count, first: index == 0 && self.seats.isEmpty, into: &buffer)
        }
    }
}

extension PublishedEvent: OutgoingEvent {
    var sessionID: String { self.session.id }
    var kind: ChangeEvent.Kind { self.event.kind }
    var holdID: HoldID? { self.event.holdID }
    var customer: String { self.event.customer }
    var ref: String? { self.event.ref }
    var atMs: Int64 { self.event.atMs }

    func writeItems(into buffer: inout ByteBuffer) {
        let hall = self.session.hall
        for (index, seat) in self.event.seats.enumerated() {
            let label = hall.label(of: Int(seat))
            Self.writeItem(label.row, label.number, first: index == 0, into: &buffer)
        }
        for (index, place) in self.event.places.enumerated() {
            Self.writePlace(hall.areas[place.area].name, place.count, first: index == 0 && self.event.seats.isEmpty, into: &buffer)
        }
    }
}
