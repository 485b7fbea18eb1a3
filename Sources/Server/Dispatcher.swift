import Logging
import NIOCore
import SeatActors
import Store
import Synchronization
import WAL

/// Executes requests against the registry: checks auth and role from the command table, runs the request and
/// formats its reply. It never waits for durability: it returns the LSN the reply must wait for, and the
/// connection releases the reply once the log is durable through it.
final class Dispatcher: Sendable {
    /// What a request leads to.
    enum Outcome: Sendable, Equatable {
        /// A reply to send once the change its token names (every change the request observed) is durable.
        case reply(Response, CommitToken)
        /// `OK`, then the connection only streams events of the session (nil: all), from `from` when given.
        case watch(session: String?, from: LSN?)
        /// `OK BYE`, then close.
        case quit
        /// The reply, then close (the last failed AUTH a connection may send).
        case end(Response)
    }

    /// Per-connection state the dispatcher reads and changes.
    struct ConnectionState: Sendable {
        /// The role AUTH granted; nil before AUTH when auth is on. A failed AUTH leaves it as it was.
        var role: Role?
        /// AUTHs with a wrong token on this connection, before AUTH or after.
        var authFailures = 0
    }

    let service: LogService
    /// Tokens and their roles; empty means auth is off and every connection is admin.
    let tokens: [(token: [UInt8], role: Role)]
    let startedAt = ContinuousClock.now
    let conflicts = Atomic<Int>(0)
    let connections = Atomic<Int>(0)
    /// Seats one HOLD may take (the configured limit).
    let seatsPerHoldMax: Int
    let metrics: ServerMetrics
    /// Events the NATS publisher lost to a trimmed history, when it is on: STATS then shows `events_dropped`.
    let eventsDropped: (@Sendable () -> Int)?
    /// In cluster mode: this node's role, which decides what it answers itself.
    let cluster: ClusterState?
    /// The failed AUTH that closes a connection (`limits.auth_failures`).
    let authFailuresMax: Int
    /// Failed AUTHs are logged at most once a second, with how many there were since the last line.
    private let authLog = Mutex<(last: ContinuousClock.Instant?, unlogged: Int)>((nil, 0))
    private let logger = Logger(label: "seatd.auth")

    init(
        service: LogService, tokens: [(token: String, role: Role)], seatsPerHoldMax: Int = Limits.seatsPerHoldMax,
        metrics: ServerMetrics = ServerMetrics(), eventsDropped: (@Sendable () -> Int)? = nil,
        cluster: ClusterState? = nil, authFailuresMax: Int = ServerSettings().authFailuresMax
    ) {
        self.authFailuresMax = authFailuresMax
        self.service = service
        self.cluster = cluster
        self.eventsDropped = eventsDropped
        self.metrics = metrics
        self.tokens = tokens.map { (Array($0.token.utf8), $0.role) }
        self.seatsPerHoldMax = seatsPerHoldMax
    }

    /// The line of a reply that may be released now (its token is durable): printable ASCII, always
    /// (`Reply.printable`; errors are escaped as they are formatted).
    func render(_ response: Response) -> String {
        switch response {
        case .line(let text): return Reply.printable(text)
        case .held(let reply): return Reply.hold(reply)
        case .released(let id): return Reply.ok(id.description)
        case .error(let code, let message): return Reply.error(code, message)
        case .stats(var stats):
            stats.durableLSN = self.durableLSN
            return stats.reply
        }
    }

    /// `render(response)` and its LF, appended to a connection's outgoing buffer: the hot replies byte by byte,
    /// with no string between.
    func render(_ response: Response, into buffer: inout ByteBuffer) {
        switch response {
        case .held(let reply): Reply.hold(reply, into: &buffer)
        case .released(let id): Reply.ok(id, into: &buffer)
        default: buffer.writeString(self.render(response))
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// The last LSN known durable in the current generation.
    var durableLSN: LSN { self.service.durableLSN }

    /// A watcher's live subscription and, with `from=`, the history that leads up to it; `epoch` is the log
    /// generation both are of.
    struct Watch: Sendable {
        let events: EventSubscription
        let history: HistoryReader?
        let epoch: Int
    }

    /// How a WATCH starts: watching, or refused because the history no longer holds `from` (`ERR TRIMMED
    /// <oldest>`, answered once `token` is durable).
    enum WatchStart: Sendable {
        case watching(Watch)
        case trimmed(oldest: LSN, CommitToken)
    }

    /// Subscribes a watcher to live events and, with `from`, opens the history that leads up to them: both under
    /// the log's lock, so that the history ends at the LSN the live events start after. Refused with
    /// `ERR TRIMMED <oldest retained seq>` when the history no longer holds every event from `from` on.
    func watch(session: String?, from: LSN?, bufferMax: Int) async -> WatchStart {
        let registry = self.service.registry
        let epoch = registry.log.generation
        let (events, through) = registry.log.withAppendsHeld { last in
            (registry.hub.subscribe(session: session, after: last, bufferMax: bufferMax), last)
        }
        guard let from else { return .watching(Watch(events: events, history: nil, epoch: epoch)) }
        let sessions = session.map { registry.session($0).map { [$0] } ?? [] } ?? registry.sessions
        var reader = HistoryReader(sessions: sessions, from: from, through: through)
        if let oldest = await reader.start().map(\.oldest).max() {
            events.cancel()
            return .trimmed(oldest: oldest, registry.log.token(through: through))
        }
        return .watching(Watch(events: events, history: reader, epoch: epoch))
    }

    /// The state of a new connection.
    var newConnection: ConnectionState { ConnectionState(role: self.tokens.isEmpty ? .admin : nil) }

    /// How a request is carried out, as `begin` decides it.
    enum Step: Sendable {
        /// Decided already.
        case done(Outcome)
        /// A request of one session: `run(_:in:)` on the session's executor.
        case session(SessionRequest, Session)
        /// A request that waits for other work: `finish(_:)`, in a task.
        case suspending(Suspending)
    }

    /// The requests that wait: for every session's figures, for a snapshot, for the session's turn and its record;
    /// in a cluster, for the hall catalog in etcd.
    enum Suspending: Sendable, Equatable {
        case stats
        case snapshot
        case dropSession(String)
        case failover
        /// A failed AUTH, answered after a delay that doubles with each failure of the connection.
        case authFailed(delayMs: Int)
        /// The catalog's requests: a hall is created there, or read from there when this node lacks it.
        case createHall(id: String, rows: [RowSpec], parts: [HallPart])
        case hall(String)
        case halls
        case sessions(hall: String)
        case createSession(SessionConfig)
    }

    /// A reply and what it waits for.
    struct Answer: Sendable {
        let response: Response
        let token: CommitToken
    }

    /// Checks auth and role, and executes at once what needs no session and no wait: everything but session
    /// requests and STATS, SNAPSHOT and DROP SESSION, which it hands back.
    func begin(_ request: Request, state: inout ConnectionState) -> Step {
        let registry = self.service.registry
        /// A reply that waits for `lsn` of this request's log generation (whose log issues its token).
        func reply(_ response: Response, _ lsn: LSN) -> Step {
            .done(.reply(response, registry.log.token(through: lsn)))
        }
        if let refusal = self.authorization(of: request, state.role) { return .done(refusal) }
        if let referral = self.cluster?.referral(for: request) { return .done(.reply(referral, .none)) }
        // A refusal waits for the log's last LSN read after the refusal was decided: whatever it observed (a hall
        // or session that exists, one that was dropped) is at or below it.
        func refused(_ error: SeatError) -> Step { reply(.failure(error), registry.log.lastLSN) }
        switch request {
        case .auth(let token):
            guard let role = self.role(of: token) else { return self.authFailed(&state) }
            state.role = role
            return .done(.reply(.line(Reply.ok(role.rawValue)), .none))
        case .ping: return .done(.reply(.line(Reply.ok("PONG")), .none))
        case .quit: return .done(.quit)
        case .clusterInfo:
            guard let cluster = self.cluster else { return .done(.reply(Self.notClustered, .none)) }
            return .done(.reply(.line(cluster.infoLine(lsn: registry.log.lastLSN)), .none))
        case .clusterFailover:
            guard self.cluster != nil else { return .done(.reply(Self.notClustered, .none)) }
            return .suspending(.failover)
        case .clusterSlots:
            guard let cluster = self.cluster else { return .done(.reply(Self.notClustered, .none)) }
            return .done(.reply(cluster.slotsReply, .none))
        case .watch(let session, let from):
            if let session, registry.session(session) == nil { return refused(.noSuchSession(session)) }
            return .done(.watch(session: session, from: from))
        case .stats: return .suspending(.stats)
        case .snapshot: return .suspending(.snapshot)
        case .dropSession(let id): return .suspending(.dropSession(id))
        case .createHall(let id, let rows, let parts):
            if self.cluster != nil { return .suspending(.createHall(id: id, rows: rows, parts: parts)) }
            do {
                let (hall, lsn) = try registry.createHall(id: id, rows: rows, parts: parts)
                return reply(.line(Reply.ok(id, "\(hall.capacity)")), lsn)
            } catch { return refused(error) }
        case .hall(let id):
            guard let hall = registry.hall(id) else {
                return self.cluster == nil ? refused(.noSuchHall(id)) : .suspending(.hall(id))
            }
            return reply(.line(Reply.ok(hall.partTexts.joined(separator: " "))), registry.log.lastLSN)
        case .halls:
            if self.cluster != nil { return .suspending(.halls) }
            return reply(.line(Reply.ok(list: registry.hallIDs)), registry.log.lastLSN)
        case .sessions(let hall):
            if let hall, registry.hall(hall) == nil {
                return self.cluster == nil ? refused(.noSuchHall(hall)) : .suspending(.sessions(hall: hall))
            }
            return reply(.line(Reply.ok(list: registry.sessionIDs(ofHall: hall))), registry.log.lastLSN)
        case .createSession(let id, let hall, let ttl, let maxTTL, let limit, let avoidsOrphans, let grace, let keyTTL):
            do {
                let config = try SessionConfig(
                    id: id, hallID: hall, ttlSeconds: ttl ?? SessionConfig.ttlSecondsDefault,
                    maxTTLSeconds: maxTTL ?? max(SessionConfig.maxTTLSecondsDefault, ttl ?? 0), customerSeatsMax: limit,
                    avoidsOrphans: avoidsOrphans, graceSeconds: grace ?? 0,
                    keyTTLSeconds: keyTTL ?? SessionConfig.keyTTLSecondsDefault)
                guard registry.hall(hall) != nil || self.cluster == nil else {
                    return .suspending(.createSession(config))
                }
                let session = try registry.createSession(config)
                return reply(.line(Reply.ok(id, "\(session.hall.capacity)")), session.handle)
            } catch { return refused(error) }
        case .session(let id, let request):
            guard let session = registry.session(id) else { return refused(.noSuchSession(id)) }
            return .session(request, session)
        }
    }

    /// The requests `begin` hands back as `.suspending`: they wait for every session (STATS), the snapshot, or the
    /// session's turn (DROP SESSION).
    func finish(_ request: Suspending) async -> Answer {
        let registry = self.service.registry
        func reply(_ response: Response, _ lsn: LSN) -> Answer {
            Answer(response: response, token: registry.log.token(through: lsn))
        }
        switch request {
        case .stats:
            let stats = await self.statistics(of: registry)
            return reply(.stats(stats), stats.lastLSN)
        case .snapshot:
            do {
                return Answer(response: .line(Reply.ok("\(try await self.service.takeSnapshot())")), token: .none)
            } catch {
                return Answer(response: .error(.unavailable, "snapshot failed: \(error)"), token: .none)
            }
        case .dropSession(let id):
            do { return reply(.line(Reply.ok(id)), try await registry.dropSession(id)) } catch {
                return reply(.failure(error), registry.log.lastLSN)
            }
        case .failover:
            guard let cluster = self.cluster else { return Answer(response: Self.notClustered, token: .none) }
            do { return Answer(response: .line(Reply.ok("\(try await cluster.failover())")), token: .none) } catch {
                return Answer(response: .failure(error), token: .none)
            }
        case .authFailed(let delayMs):
            try? await Task.sleep(for: .milliseconds(delayMs))
            return Answer(response: Self.invalidToken, token: .none)
        case .createHall, .hall, .halls, .sessions, .createSession:
            guard let catalog = self.cluster?.catalog else { return Answer(response: Self.notClustered, token: .none) }
            do throws(SeatError) {
                let (response, lsn) = try await Self.catalogRequest(request, catalog, registry)
                return reply(response, lsn)
            } catch { return reply(.failure(error), registry.log.lastLSN) }
        }
    }

    /// A cluster's request of the hall catalog: its reply, and the LSN the reply waits for (the hall's record, or
    /// the session's).
    private static func catalogRequest(
        _ request: Suspending, _ catalog: HallCatalog, _ registry: Registry
    ) async throws(SeatError) -> (Response, LSN) {
        switch request {
        case .createHall(let id, let rows, let parts):
            let (hall, lsn) = try await catalog.create(id: id, rows: rows, parts: parts)
            return (.line(Reply.ok(id, "\(hall.capacity)")), lsn)
        case .hall(let id):
            guard let hall = try await catalog.fetch(id) else { throw .noSuchHall(id) }
            return (.line(Reply.ok(hall.partTexts.joined(separator: " "))), registry.log.lastLSN)
        case .halls:
            let ids = try await catalog.all()
            return (.line(Reply.ok(list: ids)), registry.log.lastLSN)
        case .sessions(let hall):
            guard try await catalog.fetch(hall) != nil else { throw .noSuchHall(hall) }
            return (.line(Reply.ok(list: registry.sessionIDs(ofHall: hall))), registry.log.lastLSN)
        case .createSession(let config):
            guard try await catalog.fetch(config.hallID) != nil else { throw .noSuchHall(config.hallID) }
            let session = try registry.createSession(config)
            return (.line(Reply.ok(config.id, "\(session.hall.capacity)")), session.handle)
        case .stats, .snapshot, .dropSession, .failover, .authFailed:
            preconditionFailure("not a request of the hall catalog")
        }
    }

    /// A wrong token: the k-th failure of a connection is answered after min(1 s, 50 ms x 2^(k-1)) (a guesser gets
    /// a few tries a second at most), the `authFailuresMax`-th ends the connection. Logged at most once a second,
    /// never with the token.
    private func authFailed(_ state: inout ConnectionState) -> Step {
        state.authFailures += 1
        let failures = state.authFailures
        let last = failures >= self.authFailuresMax
        self.metrics.authFailure(last ? "too_many" : "invalid_token")
        let report = self.authLog.withLock { log -> Int? in
            log.unlogged += 1
            if let at = log.last, at.duration(to: .now) < .seconds(1) { return nil }
            defer { log = (.now, 0) }
            return log.unlogged
        }
        if let report { self.logger.warning("failed AUTH attempts", metadata: ["count": "\(report)"]) }
        if last { return .done(.end(.error(.noAuth, "too many failed AUTH attempts"))) }
        return .suspending(.authFailed(delayMs: min(1_000, 50 << min(failures - 1, 10))))
    }

    /// The reply to a failed AUTH.
    static let invalidToken = Response.error(.noAuth, "invalid token")

    /// What the CLUSTER commands get on a single node.
    static let notClustered = Response.error(.badRequest, "not a cluster node (cluster.etcd is not set)")

    /// NOAUTH or FORBIDDEN when the connection's role may not send `request`; nil when it may.
    private func authorization(of request: Request, _ granted: Role?) -> Outcome? {
        if case .auth = request { return nil }
        guard let role = granted ?? (request.allowedUnauthenticated ? .reader : nil) else {
            return .reply(.error(.noAuth, "authenticate first: AUTH <token>"), .none)
        }
        guard role >= request.roleRequired else {
            return .reply(.error(.forbidden, "\(role.rawValue) may not do that"), .none)
        }
        return nil
    }

    /// `run(_:in:)` for a caller on the session's executor (a connection on the session's event loop), without a
    /// hop: `checkIsolated` confirms it (on a loop, a thread comparison) or stops the process, then the isolated
    /// method runs synchronously. This is `assumeIsolated` without its allocations: it boxes its closure
    /// (`withoutActuallyEscaping`), and a generic closure's reabstraction allocates again (the request path
    /// benchmark, `make bench-path`, counted two per request); here the function cast has no captures and no
    /// generic parameter. An isolated parameter is an ordinary one in the calling convention, as the standard
    /// library's own cast in `assumeIsolated` relies on.
    func runInTurn(_ request: SessionRequest, in session: Session) -> Answer {
        session.executor.checkIsolated()
        typealias Isolated = (Dispatcher, SessionRequest, isolated Session) -> Answer
        typealias Unisolated = (Dispatcher, SessionRequest, Session) -> Answer
        let run: Isolated = { dispatcher, request, session in dispatcher.run(request, in: session) }
        return unsafeBitCast(run, to: Unisolated.self)(self, request, session)
    }

    /// Requests that go to one session, in its turn: called synchronously on its loop (`runInTurn`), or awaited.
    /// A change whose idempotency key was used already answers with the key's first reply, whatever the request
    /// (`SessionAnswer.repeated`).
    func run(_ request: SessionRequest, in session: isolated Session) -> Answer {
        func reply<Value>(_ outcome: SessionAnswer<Value>, _ format: (Value) -> String) -> Answer {
            replied(outcome) { .line(format($0)) }
        }
        func replied<Value>(_ outcome: SessionAnswer<Value>, _ respond: (Value) -> Response) -> Answer {
            let token = outcome.token
            if let first = outcome.repeated { return Answer(response: .line(Reply.answer(first)), token: token) }
            switch outcome.result {
            case .success(let value): return Answer(response: respond(value), token: token)
            case .failure(let error): return Answer(response: .failure(error), token: token)
            }
        }
        func counted<Value>(_ outcome: SessionAnswer<Value>) -> SessionAnswer<Value> {
            if case .failure(let error) = outcome.result, error.isConflict { self.conflicts.add(1, ordering: .relaxed) }
            return outcome
        }
        switch request {
        case .hold(let customer, let selection, let ttl, let key, let options):
            return replied(
                counted(
                    session.hold(
                        customer: customer, selection: selection, ttlSeconds: ttl, key: key,
                        seatsMax: self.seatsPerHoldMax,
                        options: options)), Response.held)
        case .add(.id(let hold), let selection, let key, let options):
            return replied(
                counted(
                    session.add(
                        hold, selection: selection, key: key, seatsMax: self.seatsPerHoldMax,
                        options: options)), Response.held)
        case .sell(let customer, let selection, let ref, let key, let options):
            return reply(
                counted(
                    session.sell(
                        customer: customer, selection: selection, ref: ref, key: key,
                        seatsMax: self.seatsPerHoldMax, options: options)), Reply.holdSeats)
        case .extend(.id(let hold), let ttl, let key):
            return reply(session.extend(hold, ttlSeconds: ttl, key: key)) {
                Reply.ok("\($0.holdID)", "\($0.expiresAtMs)")
            }
        case .confirm(.id(let hold), let ref, let key):
            return reply(session.confirm(hold, ref: ref, key: key), Reply.holdSeats)
        case .release(.id(let hold), nil, let places, let key) where places.isEmpty:
            return replied(session.release(hold, key: key), Response.released)
        case .release(.id(let hold), let seats, let places, let key):
            return reply(session.release(hold, seats: seats ?? [], places: places, key: key), Reply.holdSeats)
        case .cancel(.id(let hold), let seats, let places, let key):
            return reply(session.cancel(hold, seats: seats, places: places, key: key), Reply.holdSeats)
        case .extend(.unissued(let token), _, _), .confirm(.unissued(let token), _, _),
            .release(.unissued(let token), _, _, _),
            .cancel(.unissued(let token), _, _, _), .add(.unissued(let token), _, _, _):
            return reply(session.noSuchHold(token)) { _ in "" }
        case .avail:
            return reply(session.counts(), Reply.counts)
        case .availPart(let part):
            return reply(session.counts(of: part), Reply.counts)
        case .map:
            return reply(session.mapWithAreas(), Reply.map)
        case .list(let customer):
            return reply(session.list(customer: customer), Reply.list)
        case .block(let seats, let block):
            return reply(session.block(seats, block)) { Reply.ok(session.id, Reply.seats($0)) }
        case .reserve(let seats, let channel):
            return reply(session.reserve(seats, for: channel)) { Reply.ok(session.id, Reply.seats($0)) }
        case .history(.hold(.id(let hold))):
            return reply(session.history(of: hold), Reply.holdHistory)
        case .history(.hold(.unissued)):
            return reply(session.history(of: nil), Reply.holdHistory)
        case .history(.seat(let seat)):
            return reply(session.history(ofSeat: seat), Reply.itemHistory)
        case .history(.area(let area)):
            return reply(session.history(ofArea: area), Reply.itemHistory)
        }
    }

    /// The role of a token, comparing against every configured token in constant time.
    func role(of token: String) -> Role? {
        if self.tokens.isEmpty { return .admin }
        let given = Array(token.utf8)
        var found: Role? = nil
        for entry in self.tokens where Self.constantTimeEqual(entry.token, given) { found = entry.role }
        return found
    }

    /// Compares in time that depends only on the lengths. The whole length difference takes part (folded into a
    /// byte, lengths 256 apart would compare equal when the longer one ends in NULs).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt64(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= UInt64((index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0))
        }
        return difference == 0
    }

    /// What STATS reports and the metrics gauges show.
    struct Statistics: Sendable, Equatable {
        var halls = 0, sessions = 0, holdsLive = 0, seatsHeld = 0, seatsSold = 0, confirms = 0, conflicts = 0
        var connections = 0, lastLSN: LSN = 0, durableLSN: LSN = 0, walBytes: UInt64 = 0, uptimeSeconds: Int64 = 0
        /// Since 1.1, only while NATS publishing is on.
        var eventsDropped: Int? = nil

        var reply: String {
            let v1 = Reply.ok(
                "halls=\(self.halls)", "sessions=\(self.sessions)", "holds_live=\(self.holdsLive)",
                "seats_held=\(self.seatsHeld)", "seats_sold=\(self.seatsSold)", "confirms_total=\(self.confirms)",
                "conflicts_total=\(self.conflicts)", "connections=\(self.connections)", "last_lsn=\(self.lastLSN)",
                "durable_lsn=\(self.durableLSN)", "wal_bytes=\(self.walBytes)", "uptime_s=\(self.uptimeSeconds)")
            return self.eventsDropped.map { v1 + " events_dropped=\($0)" } ?? v1
        }
    }

    /// The figures of the current registry. `lastLSN` is read after every session's figures, so it covers every
    /// change they count; `durableLSN` is read here too (STATS reads it again when its reply is released).
    func statistics() async -> Statistics { await self.statistics(of: self.service.registry) }

    private func statistics(of registry: Registry) async -> Statistics {
        var stats = Statistics()
        for session in registry.sessions {
            guard let state = await session.image() else { continue }
            stats.holdsLive += state.holds.values.count { !$0.isSold }
            stats.seatsHeld += state.seats.heldCount
            stats.seatsSold += state.seats.soldCount
            stats.confirms += state.confirmsTotal
        }
        (stats.halls, stats.sessions) = registry.counts
        stats.conflicts = self.conflicts.load(ordering: .relaxed)
        stats.connections = self.connections.load(ordering: .relaxed)
        stats.lastLSN = registry.log.lastLSN
        stats.durableLSN = self.durableLSN
        stats.walBytes = self.service.logStatistics?.bytesWritten ?? 0
        stats.uptimeSeconds = self.startedAt.duration(to: .now).components.seconds
        stats.eventsDropped = self.eventsDropped?()
        return stats
    }

    /// Sets the gauges that are read from the state rather than counted (before each scrape).
    func refreshGauges() async {
        let stats = await self.statistics()
        self.metrics.sessions.record(stats.sessions)
        self.metrics.holdsLive.record(stats.holdsLive)
        self.metrics.seatsHeld.record(stats.seatsHeld)
        self.metrics.seatsSold.record(stats.seatsSold)
        self.metrics.durableLSN.record(Int64(stats.durableLSN))
        self.metrics.connections.record(stats.connections)
    }
}

extension SeatError {
    /// HOLDs refused for lack of seats: counted as conflicts in STATS.
    var isConflict: Bool {
        switch self {
        case .taken, .soldOut, .noAdjacent: true
        default: false
        }
    }
}
