import Synchronization

/// The halls and sessions of a running server. A lookup takes a mutex for one dictionary read: requests to
/// different sessions never queue behind one global actor.
public final class Registry: Sendable {
    private struct Tables {
        var halls: [String: Hall] = [:]
        var sessions: [String: Session] = [:]
    }

    private let tables: Mutex<Tables>
    /// The log every change goes to.
    public let log: any ChangeLog
    /// Where events are published.
    public let hub: EventHub
    private let clock: any WallClock
    private let ids: any HoldIDSource
    /// Idempotency keys each session remembers at most.
    public let keysPerSessionMax: Int
    /// Events each session retains (`events.retain_per_session`).
    public let eventsRetained: Int
    /// Gives each new session the executor its turns run on (the server: its event loops in turn).
    public let executors: @Sendable () -> any SessionExecutor

    /// A registry over a recovered (or empty) state.
    public init(
        state: RegistryState = RegistryState(), log: any ChangeLog, hub: EventHub = EventHub(),
        clock: any WallClock = SystemWallClock(), ids: any HoldIDSource = SystemHoldIDSource(),
        keysPerSessionMax: Int = Limits.keysPerSessionDefault, eventsRetained: Int = Limits.eventsRetainedDefault,
        executors: @escaping @Sendable () -> any SessionExecutor = { QueueExecutor() }
    ) {
        var tables = Tables(halls: state.halls)
        for var session in state.sessions.values {
            session.retainEvents(eventsRetained)
            tables.sessions[session.id] = Session(
                state: session, log: log, hub: hub, clock: clock, ids: ids,
                keysMax: keysPerSessionMax, executor: executors())
        }
        self.executors = executors
        self.keysPerSessionMax = keysPerSessionMax
        self.eventsRetained = eventsRetained
        self.tables = Mutex(tables)
        self.log = log
        self.hub = hub
        self.clock = clock
        self.ids = ids
    }

    /// The session of that id.
    public func session(_ id: String) -> Session? {
        self.tables.withLock { $0.sessions[id] }
    }

    /// The hall of that id.
    public func hall(_ id: String) -> Hall? {
        self.tables.withLock { $0.halls[id] }
    }

    /// Every live session.
    public var sessions: [Session] { self.tables.withLock { Array($0.sessions.values) } }

    /// Every hall.
    public var halls: [Hall] { self.tables.withLock { Array($0.halls.values) } }

    /// Numbers of halls and sessions.
    public var counts: (halls: Int, sessions: Int) { self.tables.withLock { ($0.halls.count, $0.sessions.count) } }

    /// Hall ids, sorted (HALLS).
    public var hallIDs: [String] { self.tables.withLock { $0.halls.keys.sorted() } }

    /// Ids of the live sessions, of one hall or of all, sorted (SESSIONS).
    public func sessionIDs(ofHall hall: String? = nil) -> [String] {
        self.tables.withLock { tables in
            tables.sessions.values.filter { hall == nil || $0.hall.id == hall }.map(\.id).sorted()
        }
    }

    /// CREATE HALL. Returns the hall and the LSN of its record.
    public func createHall(id: String, rows: [RowSpec], parts: [HallPart] = []) throws(SeatError) -> (Hall, LSN) {
        let hall = try Hall(id: id, specs: rows, parts: parts)
        return try self.tables.withLock { tables throws(SeatError) in
            guard tables.halls[id] == nil else { throw .exists("hall \(id)") }
            let lsn = try self.log.append(.hallCreated(id: id, rows: rows, parts: hall.parts), publish: nil).lsn
            tables.halls[id] = hall
            return (hall, lsn)
        }
    }

    /// CREATE SESSION. Returns the session and the LSN of its record (its handle).
    public func createSession(_ config: SessionConfig) throws(SeatError) -> Session {
        try self.tables.withLock { tables throws(SeatError) in
            guard tables.sessions[config.id] == nil else { throw .exists("session \(config.id)") }
            guard let hall = tables.halls[config.hallID] else { throw .noSuchHall(config.hallID) }
            let handle = try self.log.append(.sessionCreated(config), publish: nil).lsn
            var state = SessionState(handle: handle, config: config, hall: hall)
            state.retainEvents(self.eventsRetained)
            let session = Session(
                state: state, log: self.log, hub: self.hub, clock: self.clock, ids: self.ids,
                keysMax: self.keysPerSessionMax, executor: self.executors())
            tables.sessions[config.id] = session
            return session
        }
    }

    /// DROP SESSION. Returns the LSN of the drop record.
    public func dropSession(_ id: String) async throws(SeatError) -> LSN {
        guard let session = self.session(id) else { throw .noSuchSession(id) }
        let lsn = try await session.drop()
        self.tables.withLock { tables in
            if tables.sessions[id] === session { tables.sessions[id] = nil }
        }
        return lsn
    }

    /// Expires lapsed holds in every session (bounded per session); returns how many.
    public func sweep() async -> Int {
        var expired = 0
        for session in self.sessions { expired += await session.sweep() }
        return expired
    }
}
