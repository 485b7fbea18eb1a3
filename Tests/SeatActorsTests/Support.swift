import Synchronization
import Testing

@testable import SeatActors

/// Test helpers: halls from text, a pure session driver, a recording log.

func rows(_ text: String) throws -> [RowSpec] {
    try text.split(separator: " ").map { spec in try RowSpec(parsing: spec) }
}

func hall(_ text: String, id: String = "h") throws -> Hall {
    try Hall(id: id, specs: rows(text))
}

func seats(_ text: String) -> [SeatLabel] {
    text.split(separator: " ").map { SeatLabel($0)! }
}

func names(_ labels: [SeatLabel]) -> String {
    labels.map(\.description).joined(separator: " ")
}

/// Drives a pure `SessionState` the way the actor does (decide, then apply at the next LSN), so rule tests stay
/// synchronous.
struct Driver {
    var state: SessionState
    var nowMs: Int64 = 1_800_000_000_000
    var lsn: LSN
    let ids = SeededHoldIDSource(seed: 42)

    init(_ hallText: String, ttl: Int = 900, maxTTL: Int = 7_200, limit: Int? = nil) throws {
        let config = try SessionConfig(
            id: "s", hallID: "h", ttlSeconds: ttl, maxTTLSeconds: maxTTL,
            customerSeatsMax: limit)
        self.state = SessionState(handle: 1, config: config, hall: try hall(hallText))
        self.lsn = 1
    }

    /// A driver of an existing state (a hall built in code).
    init(state: SessionState) {
        self.state = state
        self.lsn = state.lastLSN
    }

    mutating func commit(_ change: SessionChange) {
        self.lsn += 1
        self.state.apply(change, lsn: self.lsn)
    }

    @discardableResult
    mutating func hold(
        _ selection: SeatSelection, customer: String = "c", ttl: Int? = nil, key: String? = nil
    )
        throws(SeatError) -> HoldReply
    {
        switch try self.state.decideHold(
            customer: customer, selection: selection, ttlSeconds: ttl, key: key, nowMs: self.nowMs,
            newHoldID: { HoldID(raw: self.ids.next() | 1) })
        {
        case .repeated(let reply):
            return reply
        case .held(let record):
            self.commit(.held(record))
            return HoldReply(
                holdID: record.holdID, expiresAtMs: record.expiresAtMs,
                seats: self.state.labels(record.seats))
        }
    }

    @discardableResult
    mutating func hold(_ text: String, customer: String = "c") throws(SeatError) -> HoldReply {
        try self.hold(.explicit(seats(text)), customer: customer)
    }

    mutating func confirm(_ id: HoldID) throws(SeatError) -> HoldSeats {
        switch try self.state.decideConfirm(id, ref: nil, nowMs: self.nowMs) {
        case .repeated(let reply): return reply
        case .change(let change):
            self.commit(change)
            return HoldSeats(holdID: id, seats: self.state.labels(self.state.holds[id]!.seats))
        }
    }

    mutating func release(_ id: HoldID) throws(SeatError) {
        self.commit(try self.state.decideRelease(id, nowMs: self.nowMs))
    }

    mutating func cancel(_ id: HoldID, _ text: String? = nil) throws(SeatError) {
        self.commit(try self.state.decideCancel(id, seats: text.map(seats), nowMs: self.nowMs).change)
    }

    mutating func extend(_ id: HoldID, ttl: Int) throws(SeatError) {
        self.commit(try self.state.decideExtend(id, ttlSeconds: ttl, nowMs: self.nowMs))
    }

    /// Moves time on and expires every lapsed hold, as the sweeper would.
    mutating func advance(seconds: Int64) {
        self.nowMs += seconds * 1_000
        while let id = self.state.dueExpiry(nowMs: self.nowMs) { self.commit(.expired(id)) }
    }

    var map: String { self.state.mapRows().map { "\($0.row):\($0.states)" }.joined(separator: " ") }
}

/// Captures the error a throwing call raised.
func error<T>(_ body: () throws -> T) -> SeatError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? SeatError
    }
}

/// A log that remembers every record, for replay tests.
final class RecordingChangeLog: ChangeLog {
    private let records = Mutex<[(LogRecord, LSN)]>([])

    func append(_ record: LogRecord, publish: (Appended) -> Void) throws(SeatError) -> Appended {
        self.records.withLock { records in
            let lsn = LSN(records.count + 1)
            records.append((record, lsn))
            let appended = Appended(lsn: lsn, atMs: 0)
            publish(appended)
            return appended
        }
    }

    func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value { self.records.withLock { body(LSN($0.count)) } }

    func waitDurable(through lsn: LSN) async throws(SeatError) {}

    var lastLSN: LSN { self.records.withLock { LSN($0.count) } }

    var all: [(LogRecord, LSN)] { self.records.withLock { $0 } }
}
