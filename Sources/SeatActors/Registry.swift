import Synchronization

/// The halls and sessions of a running server. A lookup takes a mutex for one dictionary read: requests to
/// different sessions never queue behind one global actor.
public final class Registry: Sendable {
    private struct Tables {
        var halls: [String: Hall] = [:]
        var sessions: [String: Session] = [:]
        /// The same sessions by handle (a replayed change names its session by handle).
        var handles: [SessionHandle: Session] = [:]

        mutating func insert(_ session: Session) {
            self.sessions[session.id] = session
            self.handles[session.handle] = session
        }

        mutating func remove(_ session: Session) {
            guard self.sessions[session.id] === session else { return }
            self.sessions[session.id] = nil
            self.handles[session.handle] = nil
        }
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
            tables.insert(
                Session(
                    state: session, log: log, hub: hub, clock: clock, ids: ids,
                    keysMax: keysPerSessionMax, executor: executors()))
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
            let lsn = try self.log.append(.hallCreated(id: id, rows: rows, parts: hall.parts)).lsn
            tables.halls[id] = hall
            return (hall, lsn)
        }
    }

    /// CREATE SESSION. Returns the session and the LSN of its record (its handle).
    public func createSession(_ config: SessionConfig) throws(SeatError) -> Session {
        try self.tables.withLock { tables throws(SeatError) in
            guard tables.sessions[config.id] == nil else { throw .exists("session \(config.id)") }
            guard let hall = tables.halls[config.hallID] else { throw .noSuchHall(config.hallID) }
            let handle = try self.log.append(.sessionCreated(config)).lsn
            var state = SessionState(handle: handle, config: config, hall: hall)
            state.retainEvents(self.eventsRetained)
            let session = Session(
                state: state, log: self.log, hub: self.hub, clock: self.clock, ids: self.ids,
                keysMax: self.keysPerSessionMax, executor: self.executors())
            tables.insert(session)
            return session
        }
    }

    // MARK: Replay (a standby's records; `Registry+Replay.swift`)

    /// The hall of a replayed `hallCreated`; the same hall again is one this registry has already.
    func replayHall(id: String, rows: [RowSpec], parts: [HallPart]) throws(SeatError) {
        try self.tables.withLock { tables throws(SeatError) in
            if let hall = tables.halls[id], hall.specs == rows, hall.parts == parts { return }
            guard tables.halls[id] == nil else { throw .exists("hall \(id)") }
            tables.halls[id] = try Hall(id: id, specs: rows, parts: parts)
        }
    }

    /// The session of a replayed `sessionCreated` at LSN `handle`; one of that handle is here already.
    func replaySession(_ config: SessionConfig, handle: SessionHandle) throws(SeatError) {
        try self.tables.withLock { tables throws(SeatError) in
            if tables.sessions[config.id]?.handle == handle { return }
            guard tables.sessions[config.id] == nil else { throw .exists("session \(config.id)") }
            guard let hall = tables.halls[config.hallID] else { throw .noSuchHall(config.hallID) }
            var state = SessionState(handle: handle, config: config, hall: hall)
            state.retainEvents(self.eventsRetained)
            tables.insert(
                Session(
                    state: state, log: self.log, hub: self.hub, clock: self.clock, ids: self.ids,
                    keysMax: self.keysPerSessionMax, executor: self.executors()))
        }
    }

    /// The live session of that handle (the LSN of its `sessionCreated`).
    func session(handle: SessionHandle) -> Session? {
        self.tables.withLock { $0.handles[handle] }
    }

    /// Takes `session` out of the registry, if it is still the one under its id.
    func remove(_ session: Session) {
        self.tables.withLock { $0.remove(session) }
    }

    /// DROP SESSION. Returns the LSN of the drop record.
    public func dropSession(_ id: String) async throws(SeatError) -> LSN {
        guard let session = self.session(id) else { throw .noSuchSession(id) }
        let lsn = try await session.drop()
        self.remove(session)
        return lsn
    }

    /// Expires lapsed holds in every session (bounded per session); returns how many.
    public func sweep() async -> Int {
        var expired = 0
        for session in self.sessions { expired += await session.sweep() }
        return expired
    }
}
