import SeatActors
import Synchronization
import WAL

/// Executes requests against the registry: checks auth and role from the command table, runs the request and
/// formats its reply. It never waits for durability: it returns the LSN the reply must wait for, and the
/// connection releases the reply once the log is durable through it.
final class Dispatcher: Sendable {
    /// What a request leads to.
    enum Outcome: Sendable, Equatable {
        /// A reply line to send once the log is durable through the LSN.
        case reply(String, lsn: LSN)
        /// `OK`, then the connection only streams events of the session (nil: all).
        case watch(session: String?)
        /// `OK BYE`, then close.
        case quit
    }

    /// Per-connection state the dispatcher reads and changes.
    struct ConnectionState: Sendable {
        /// The role AUTH granted; nil before AUTH when auth is on.
        var role: Role?
        /// The log generation the last request ran in: its reply waits for durability in that generation.
        var epoch = 0
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

    init(
        service: LogService, tokens: [(token: String, role: Role)], seatsPerHoldMax: Int = Limits.seatsPerHoldMax,
        metrics: ServerMetrics = ServerMetrics()
    ) {
        self.service = service
        self.metrics = metrics
        self.tokens = tokens.map { (Array($0.token.utf8), $0.role) }
        self.seatsPerHoldMax = seatsPerHoldMax
    }

    /// Waits until the log is durable through `lsn`, then returns the reply to send: `line`, or `ERR UNAVAILABLE`
    /// when the changes it reflects will never be durable.
    func settle(_ line: String, lsn: LSN, epoch: Int) async -> String {
        await self.failure(awaitingDurability: lsn, epoch: epoch) ?? line
    }

    /// Waits until the log of generation `epoch` is durable through `lsn`; nil then, or the error reply if it never
    /// will be.
    func failure(awaitingDurability lsn: LSN, epoch: Int) async -> String? {
        guard lsn > 0 else { return nil }
        do {
            try await self.service.waitDurable(through: lsn, epoch: epoch)
            return nil
        } catch {
            return Reply.error(error)
        }
    }

    /// The state of a new connection.
    var newConnection: ConnectionState { ConnectionState(role: self.tokens.isEmpty ? .admin : nil) }

    func execute(_ request: Request, state: inout ConnectionState) async -> Outcome {
        let (registry, epoch) = self.service.current
        state.epoch = epoch
        let settled = registry.log.lastLSN
        if case .auth(let token) = request {
            guard let role = self.role(of: token) else { return .reply(Reply.error(.noAuth, "invalid token"), lsn: 0) }
            state.role = role
            return .reply(Reply.ok(role.rawValue), lsn: 0)
        }
        guard let role = state.role ?? (request.allowedUnauthenticated ? .reader : nil) else {
            return .reply(Reply.error(.noAuth, "authenticate first: AUTH <token>"), lsn: 0)
        }
        guard role >= request.roleRequired else {
            return .reply(Reply.error(.forbidden, "\(role.rawValue) may not do that"), lsn: 0)
        }
        switch request {
        case .ping: return .reply(Reply.ok("PONG"), lsn: 0)
        case .quit: return .quit
        case .watch(let session):
            if let session, registry.session(session) == nil {
                return .reply(Reply.error(.noSuchSession, "no session \(session)"), lsn: settled)
            }
            return .watch(session: session)
        case .stats: return .reply(await self.statistics().reply, lsn: settled)
        case .snapshot:
            do { return .reply(Reply.ok("\(try await self.service.takeSnapshot())"), lsn: 0) } catch {
                return .reply(Reply.error(.unavailable, "snapshot failed: \(error)"), lsn: 0)
            }
        case .createHall(let id, let rows):
            do {
                let (hall, lsn) = try registry.createHall(id: id, rows: rows)
                return .reply(Reply.ok(id, "\(hall.capacity)"), lsn: lsn)
            } catch { return .reply(Reply.error(error), lsn: settled) }
        case .createSession(let id, let hall, let ttl, let maxTTL, let limit):
            do {
                let config = try SessionConfig(
                    id: id, hallID: hall, ttlSeconds: ttl ?? SessionConfig.ttlSecondsDefault,
                    maxTTLSeconds: maxTTL ?? max(SessionConfig.maxTTLSecondsDefault, ttl ?? 0), customerSeatsMax: limit)
                let session = try registry.createSession(config)
                return .reply(Reply.ok(id, "\(session.hall.capacity)"), lsn: session.handle)
            } catch { return .reply(Reply.error(error), lsn: settled) }
        case .dropSession(let id):
            do { return .reply(Reply.ok(id), lsn: try await registry.dropSession(id)) } catch {
                return .reply(Reply.error(error), lsn: settled)
            }
        default:
            return await self.executeInSession(request, registry: registry)
        }
    }

    /// Requests that go to one session's actor.
    private func executeInSession(_ request: Request, registry: Registry) async -> Outcome {
        guard let id = request.sessionID, let session = registry.session(id) else {
            return .reply(Reply.error(.noSuchSession, "no session \(request.sessionID ?? "")"), lsn: registry.log.lastLSN)
        }
        switch request {
        case .hold(_, let customer, let selection, let ttl, let key):
            let outcome = await session.hold(
                customer: customer, selection: selection, ttlSeconds: ttl, key: key, seatsMax: self.seatsPerHoldMax)
            if case .failure(let error) = outcome.result, error.isConflict { self.conflicts.add(1, ordering: .relaxed) }
            return Self.reply(outcome, Reply.hold)
        case .extend(_, let hold, let ttl):
            return Self.reply(await session.extend(hold, ttlSeconds: ttl)) { Reply.ok("\($0.holdID)", "\($0.expiresAtMs)") }
        case .confirm(_, let hold, let ref):
            return Self.reply(await session.confirm(hold, ref: ref), Reply.holdSeats)
        case .release(_, let hold):
            return Self.reply(await session.release(hold)) { Reply.ok("\($0)") }
        case .cancel(_, let hold, let seats):
            return Self.reply(await session.cancel(hold, seats: seats), Reply.holdSeats)
        case .avail:
            return Self.reply(await session.counts()) { Reply.ok("free=\($0.free)", "held=\($0.held)", "sold=\($0.sold)") }
        case .map:
            return Self.reply(await session.map(), Reply.map)
        case .list(_, let customer):
            return Self.reply(await session.list(customer: customer), Reply.list)
        default:
            preconditionFailure("\(request) is not a session request")
        }
    }

    private static func reply<Value>(_ outcome: SeatActors.Outcome<Value>, _ format: (Value) -> String) -> Outcome {
        switch outcome.result {
        case .success(let value): .reply(format(value), lsn: outcome.lsn)
        case .failure(let error): .reply(Reply.error(error), lsn: outcome.lsn)
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

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    /// What STATS reports and the metrics gauges show.
    struct Statistics: Sendable {
        var halls = 0, sessions = 0, holdsLive = 0, seatsHeld = 0, seatsSold = 0, confirms = 0, conflicts = 0
        var connections = 0, lastLSN: LSN = 0, durableLSN: LSN = 0, walBytes: UInt64 = 0, uptimeSeconds: Int64 = 0

        var reply: String {
            Reply.ok(
                "halls=\(self.halls)", "sessions=\(self.sessions)", "holds_live=\(self.holdsLive)",
                "seats_held=\(self.seatsHeld)", "seats_sold=\(self.seatsSold)", "confirms_total=\(self.confirms)",
                "conflicts_total=\(self.conflicts)", "connections=\(self.connections)", "last_lsn=\(self.lastLSN)",
                "durable_lsn=\(self.durableLSN)", "wal_bytes=\(self.walBytes)", "uptime_s=\(self.uptimeSeconds)")
        }
    }

    func statistics() async -> Statistics {
        let registry = self.service.registry
        var stats = Statistics()
        for session in registry.sessions {
            guard let state = await session.image() else { continue }
            stats.holdsLive += state.holds.values.count { !$0.isSold }
            stats.seatsHeld += state.seats.heldCount
            stats.seatsSold += state.seats.soldCount
            stats.confirms += state.confirmsTotal
        }
        (stats.halls, stats.sessions) = registry.counts
        let writer = self.service.writer
        stats.conflicts = self.conflicts.load(ordering: .relaxed)
        stats.connections = self.connections.load(ordering: .relaxed)
        stats.lastLSN = registry.log.lastLSN
        stats.durableLSN = writer?.durableLSN ?? registry.log.lastLSN
        stats.walBytes = writer?.statistics.bytesWritten ?? 0
        stats.uptimeSeconds = self.startedAt.duration(to: .now).components.seconds
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

extension Request {
    /// The session a request addresses, if it addresses one.
    var sessionID: String? {
        switch self {
        case .hold(let session, _, _, _, _), .extend(let session, _, _), .confirm(let session, _, _),
            .release(let session, _), .cancel(let session, _, _), .avail(let session), .map(let session),
            .list(let session, _), .dropSession(let session):
            session
        case .watch(let session): session
        case .ping, .auth, .createHall, .createSession, .stats, .snapshot, .quit: nil
        }
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
