import Testing

@testable import SeatActors

/// A session's event history (since 1.1): every change but a key sweep is one event, retained in seq order up to
/// the session's retention; the event is a function of the record and the state it applies to, so replaying the
/// records rebuilds the same history; reading from a seq that was trimmed says so. Worked through by hand on a
/// `Session` over a `RecordingChangeLog` (whose records are then replayed on a fresh state).
struct HistoryTests {
    func session(retain: Int = 100) throws -> (Session, ManualClock, RecordingChangeLog, SessionState) {
        let (rows, parts) = try Hall.parse("A=10 ga:pit=6".split(separator: " "))
        let config = try SessionConfig(id: "s", hallID: "h", ttlSeconds: 60, graceSeconds: 30)
        let clock = ManualClock()
        let log = RecordingChangeLog()
        var state = SessionState(handle: 0, config: config, hall: try Hall(id: "h", specs: rows, parts: parts))
        state.retainEvents(retain)
        return (
            Session(state: state, log: log, hub: EventHub(), clock: clock, ids: SeededHoldIDSource(seed: 5)), clock,
            log, state
        )
    }

    func summary(_ events: [SessionEvent], _ hall: Hall) -> [String] {
        events.map { event in
            let items =
                event.seats.map { hall.label(of: Int($0)).description }
                + event.places.map { "\(hall.areas[$0.area].name):\($0.count)" }
            return
                "\(event.seq) \(event.kind.rawValue) \(event.customer) \(items.joined(separator: ","))\(event.ref.map { " ref=\($0)" } ?? "")"
        }
    }

    /// HOLD A1 A2 pit:2 (seq 1), ADD A3 (2), RELEASE A1 (3), CONFIRM ref=p1 (4), CANCEL A2 (5), BLOCK A9 (6),
    /// RESERVE box A8 (7), a hold (8) that lapses (9). The events list what each change touched: a whole-hold change
    /// lists the hold's items as they were.
    @Test func everyChangeButAKeySweepIsAnEventOfWhatItTouched() async throws {
        let (session, clock, log, empty) = try self.session()
        let held = try
            (await session.hold(
                customer: "ann", selection: .explicit(seats("A1 A2")),
                options: HoldOptions(places: [AreaPlaces(area: "pit", count: 2)]))).result.get()
        _ = try (await session.add(held.holdID, selection: .explicit(seats("A3")))).result.get()
        _ = try (await session.release(held.holdID, seats: seats("A1"))).result.get()
        _ = try (await session.confirm(held.holdID, ref: "p1")).result.get()
        _ = try (await session.cancel(held.holdID, seats: seats("A2"))).result.get()
        _ = try (await session.block(seats("A9"), true)).result.get()
        _ = try (await session.reserve(seats("A8"), for: "box")).result.get()
        _ = try (await session.hold(customer: "bob", selection: .explicit(seats("A5")))).result.get()
        clock.advance(byMs: 61_000)
        _ = await session.sweep()
        let live = await session.snapshot()
        let hall = live.hall
        #expect(
            self.summary(Array(live.history), hall) == [
                "1 held ann A1,A2,pit:2", "2 added ann A3", "3 released ann A1", "4 confirmed ann A2,A3,pit:2 ref=p1",
                "5 cancelled ann A2", "6 blocked - A9", "7 reserved box A8", "8 held bob A5", "9 expired bob A5",
            ])
        // Replaying the records on the state the session started from rebuilds the same history.
        var replayed = empty
        for (record, lsn) in log.all {
            guard case .change(_, let change) = record else { continue }
            replayed.apply(change, lsn: lsn)
        }
        #expect(Array(replayed.history) == Array(live.history))
    }

    /// Retaining 3 of 5 events: the two oldest go, `history(from:)` before the oldest retained says trimmed (with
    /// the oldest seq), from it on gives the rest, `through` and `limit` bound the read.
    @Test func aTrimmedHistorySaysWhereItNowStarts() async throws {
        let (session, _, _, _) = try self.session(retain: 3)
        for seat in ["A1", "A2", "A3", "A4", "A5"] {
            _ = try (await session.hold(customer: "c", selection: .explicit(seats(seat)))).result.get()
        }
        let state = await session.snapshot()
        #expect(state.history.map(\.seq) == [3, 4, 5])
        #expect(state.trimmedThrough == 2 && state.eventsTrimmed == 2)
        #expect(await session.history(from: 1) == .trimmed(oldest: 3, eventsTrimmed: 2))
        #expect(await session.history(from: 2) == .trimmed(oldest: 3, eventsTrimmed: 2))
        guard case .events(let rest)? = await session.history(from: 3) else {
            Issue.record("no events")
            return
        }
        #expect(rest.map(\.seq) == [3, 4, 5])
        guard case .events(let bounded)? = await session.history(from: 4, through: 4) else {
            Issue.record("no events")
            return
        }
        #expect(bounded.map(\.seq) == [4])
        guard case .events(let limited)? = await session.history(from: 3, limit: 2) else {
            Issue.record("no events")
            return
        }
        #expect(limited.map(\.seq) == [3, 4])
        guard case .events(let none)? = await session.history(from: 6) else {
            Issue.record("no events")
            return
        }
        #expect(none.isEmpty)
    }

    /// HISTORY of a hold lists its events oldest first; of a seat, every event that touched the seat, whoever's;
    /// of an area, every event with its places.
    @Test func historyOfAHoldASeatAndAnArea() async throws {
        let (session, _, _, _) = try self.session()
        let first = try (await session.hold(customer: "ann", selection: .explicit(seats("A1")))).result.get()
        _ = try (await session.release(first.holdID)).result.get()
        let second = try
            (await session.hold(
                customer: "bob", selection: .explicit(seats("A1 A2")),
                options: HoldOptions(places: [AreaPlaces(area: "pit", count: 1)]))).result.get()
        _ = try (await session.confirm(second.holdID)).result.get()
        let ofFirst = try (await session.history(of: first.holdID)).result.get()
        #expect(ofFirst.map { "\($0.seq) \($0.kind)" } == ["1 held", "2 released"])
        let ofA1 = try (await session.history(ofSeat: SeatLabel(row: "A", number: 1))).result.get()
        #expect(
            ofA1.map { "\($0.seq) \($0.kind) \($0.customer)" } == [
                "1 held ann", "2 released ann", "3 held bob", "4 confirmed bob",
            ])
        let ofA2 = try (await session.history(ofSeat: SeatLabel(row: "A", number: 2))).result.get()
        #expect(ofA2.map(\.seq) == [3, 4])
        let ofPit = try (await session.history(ofArea: "pit")).result.get()
        #expect(ofPit.map(\.seq) == [3, 4])
        #expect(
            (await session.history(ofSeat: SeatLabel(row: "B", number: 1))).result.failure == .noSuchSeat(seats("B1")))
        #expect((await session.history(ofArea: "box")).result.failure == .noSuchSeat([], areas: ["box"]))
        #expect(try (await session.history(of: nil)).result.get().isEmpty)
    }
}
