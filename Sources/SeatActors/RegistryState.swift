/// Halls and sessions as pure values: what recovery rebuilds by replaying the log (and what snapshots hold),
/// before `Registry` wraps each session in its actor.
public struct RegistryState: Sendable {
    /// Halls by id.
    public internal(set) var halls: [String: Hall] = [:]
    /// Sessions by handle.
    public internal(set) var sessions: [SessionHandle: SessionState] = [:]
    /// Live session handles by id.
    public internal(set) var handles: [String: SessionHandle] = [:]

    /// Events each session retains: replay trims to it as it goes.
    public private(set) var eventsRetained = Limits.eventsRetainedDefault

    public init() {}

    /// Sets how many events every session retains, now and for sessions created by later records.
    public mutating func retainEvents(_ count: Int) {
        self.eventsRetained = count
        for handle in self.sessions.keys { self.sessions[handle]!.retainEvents(count) }
    }

    /// Applies a logged record, appended at `atMs` (the time its batch carries). Records of sessions dropped before a snapshot are skipped; a session's change
    /// at or below the session's own LSN (already in its snapshot image) is skipped too.
    public mutating func apply(_ record: LogRecord, lsn: LSN, atMs: Int64 = 0) throws(SeatError) {
        switch record {
        case .hallCreated(let id, let rows, let parts):
            // The record holds the parts as the hall normalised them, so they compare as they are.
            if let hall = self.halls[id], hall.specs == rows, hall.parts == parts { return }  // already in the snapshot
            guard self.halls[id] == nil else { throw .exists("hall \(id)") }
            self.halls[id] = try Hall(id: id, specs: rows, parts: parts)
        case .sessionCreated(let config):
            guard self.sessions[lsn] == nil else { return }  // already in the snapshot
            guard self.handles[config.id] == nil else { throw .exists("session \(config.id)") }
            guard let hall = self.halls[config.hallID] else { throw .noSuchHall(config.hallID) }
            var session = SessionState(handle: lsn, config: config, hall: hall)
            session.retainEvents(self.eventsRetained)
            self.sessions[lsn] = session
            self.handles[config.id] = lsn
        case .sessionDropped(let handle):
            if let state = self.sessions.removeValue(forKey: handle) { self.handles[state.id] = nil }
        case .change(let handle, let change):
            guard self.sessions[handle] != nil, lsn > self.sessions[handle]!.lastLSN else { return }
            try self.sessions[handle]!.validate(change, lsn: lsn)
            self.sessions[handle]!.apply(change, lsn: lsn, atMs: atMs)
        }
    }

    /// Adds a session image (from a snapshot).
    public mutating func insert(_ state: SessionState) {
        self.sessions[state.handle] = state
        self.handles[state.id] = state.handle
    }

    /// Adds a hall (from a snapshot).
    public mutating func insert(_ hall: Hall) {
        self.halls[hall.id] = hall
    }
}
