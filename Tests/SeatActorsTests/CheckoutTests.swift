import Testing

@testable import SeatActors

/// Checkouts (protocol 1.1, part 2) on the `Session` actor with a manual clock: ADD, RELEASE of items, SELL, a
/// late CONFIRM within the session's grace, and idempotency keys on every change with their lifetime and limit.
/// Each test says what it works through by hand.
struct CheckoutTests {
    func session(
        _ hall: String = "A=10 B=10 ga:pit=6", grace: Int = 0, keyTTL: Int = 86_400, limit: Int? = nil,
        keysMax: Int = 1_000
    ) throws -> (Session, ManualClock, RecordingChangeLog) {
        let (rows, parts) = try Hall.parse(hall.split(separator: " "))
        let config = try SessionConfig(
            id: "s", hallID: "h", ttlSeconds: 60, customerSeatsMax: limit, graceSeconds: grace,
            keyTTLSeconds: keyTTL)
        let clock = ManualClock()
        let log = RecordingChangeLog()
        let state = SessionState(handle: 0, config: config, hall: try Hall(id: "h", specs: rows, parts: parts))
        return (
            Session(
                state: state, log: log, hub: EventHub(), clock: clock, ids: SeededHoldIDSource(seed: 3),
                keysMax: keysMax),
            clock, log
        )
    }

    func places(_ area: String, _ count: Int) -> HoldOptions {
        HoldOptions(places: [AreaPlaces(area: area, count: count)])
    }

    /// A hold of A1 grows by A2 and two places, then by BEST 2 (which may not take its own seats); its expiry
    /// stays; the reply lists every item. A booking cannot grow; a lapsed hold answers EXPIRED.
    @Test func addGrowsALiveHoldAndKeepsItsExpiry() async throws {
        let (session, clock, _) = try self.session(limit: 7)
        let held = try (await session.hold(customer: "ann", selection: .explicit(seats("A1")))).result.get()
        clock.advance(byMs: 5_000)
        let grown = try
            (await session.add(held.holdID, selection: .explicit(seats("A2")), options: self.places("pit", 2))).result
            .get()
        #expect(
            grown
                == HoldReply(
                    holdID: held.holdID, expiresAtMs: held.expiresAtMs, seats: seats("A1 A2"),
                    places: [AreaPlaces(area: "pit", count: 2)]))
        let best = try (await session.add(held.holdID, selection: .best(2))).result.get()
        #expect(best.seats.count == 4 && best.expiresAtMs == held.expiresAtMs)
        // The customer's limit of 7 counts the 6 items the hold has.
        #expect(
            (await session.add(held.holdID, selection: .explicit(seats("B9 B10")))).result.failure
                == .limit("customer ann has 6 of at most 7 seats"))
        #expect(
            (await session.add(held.holdID, selection: .explicit(seats("A1")))).result.failure == .taken(seats("A1")))
        _ = try (await session.confirm(held.holdID)).result.get()
        #expect(
            (await session.add(held.holdID, selection: .explicit(seats("B1")))).result.failure
                == .notHeld("hold \(held.holdID) is confirmed"))
        let other = try (await session.hold(customer: "bob", selection: .explicit(seats("B5")))).result.get()
        clock.advance(byMs: 61_000)
        #expect(
            (await session.add(other.holdID, selection: .explicit(seats("B6")))).result.failure
                == .expired("\(other.holdID)"))
    }

    /// A hold of A1 A2 and three places gives back A2 and one place, then the rest: a hold left with nothing is
    /// forgotten. An item it does not have is NOT_HELD; a booking's items need CANCEL.
    @Test func releaseGivesBackItemsAndForgetsAnEmptyHold() async throws {
        let (session, _, _) = try self.session()
        let held = try
            (await session.hold(customer: "ann", selection: .explicit(seats("A1 A2")), options: self.places("pit", 3)))
            .result.get()
        let part = try
            (await session.release(held.holdID, seats: seats("A2"), places: [AreaPlaces(area: "pit", count: 1)])).result
            .get()
        #expect(part == HoldSeats(holdID: held.holdID, seats: seats("A2"), places: [AreaPlaces(area: "pit", count: 1)]))
        #expect(await session.snapshot().holds[held.holdID]!.itemCount == 3)
        #expect(
            (await session.release(held.holdID, seats: seats("A3"))).result.failure
                == .notHeld("not in hold \(held.holdID): A3"))
        #expect(
            (await session.release(held.holdID, seats: [], places: [AreaPlaces(area: "pit", count: 3)])).result.failure
                == .notHeld("not in hold \(held.holdID): pit:3"))
        _ = try (await session.release(held.holdID, seats: seats("A1"), places: [AreaPlaces(area: "pit", count: 2)]))
            .result.get()
        let state = await session.snapshot()
        #expect(state.holds.isEmpty && state.counts.free == 26)
        #expect((await session.release(held.holdID)).result.failure == .noSuchHold("\(held.holdID)"))
    }

    /// SELL holds and confirms at once: the booking is CANCEL's; HOLD's checks apply, LIMIT among them.
    @Test func sellBooksInOneChange() async throws {
        let (session, _, log) = try self.session(limit: 3)
        let sold = try (await session.sell(customer: "box", selection: .best(2), ref: "cash-1")).result.get()
        #expect(sold.seats.count == 2)
        let state = await session.snapshot()
        #expect(
            state.holds[sold.holdID]?.isSold == true && state.holds[sold.holdID]?.ref == "cash-1"
                && state.confirmsTotal == 1)
        #expect(log.all.count == 1)
        #expect(
            (await session.sell(customer: "box", selection: .explicit(seats("B1 B2")))).result.failure
                == .limit("customer box has 2 of at most 3 seats"))
        #expect(
            (await session.sell(customer: "x", selection: .explicit(sold.seats))).result.failure == .taken(sold.seats))
        _ = try (await session.cancel(sold.holdID, seats: [sold.seats[0]])).result.get()
    }

    /// With grace=120: a hold that lapsed 90 s ago is confirmed after all; one that lapsed 130 s ago is EXPIRED,
    /// and so is one whose seat another buyer took meanwhile. The decision is logged: replay repeats it.
    @Test func aLatePaymentWinsWithinGraceWhenItsItemsAreFree() async throws {
        let (session, clock, log) = try self.session(grace: 120)
        let late = try
            (await session.hold(customer: "ann", selection: .explicit(seats("A1")), options: self.places("pit", 2)))
            .result.get()
        let later = try (await session.hold(customer: "bob", selection: .explicit(seats("A2")))).result.get()
        let taken = try (await session.hold(customer: "cy", selection: .explicit(seats("A3")))).result.get()
        clock.advance(byMs: 60_000 + 10_000)
        await session.sweep()
        #expect(await session.snapshot().holds.isEmpty)
        _ = try (await session.hold(customer: "dee", selection: .explicit(seats("A3")), ttlSeconds: 600)).result.get()
        clock.advance(byMs: 80_000)  // 90 s after the lapse
        let confirmed = try (await session.confirm(late.holdID, ref: "pay-late")).result.get()
        #expect(
            confirmed == HoldSeats(holdID: late.holdID, seats: seats("A1"), places: [AreaPlaces(area: "pit", count: 2)])
        )
        #expect((await session.confirm(taken.holdID)).result.failure == .expired("\(taken.holdID)"))
        clock.advance(byMs: 40_000)  // 130 s after the lapse
        #expect((await session.confirm(later.holdID)).result.failure == .expired("\(later.holdID)"))
        let live = await session.snapshot()
        #expect(live.holds[late.holdID]?.isSold == true)
        var replayed = SessionState(handle: 0, config: live.config, hall: live.hall)
        for case (.change(_, let change), let lsn) in log.all {
            try replayed.validate(change, lsn: lsn)
            replayed.apply(change, lsn: lsn)
        }
        #expect(replayed.digest == live.digest)
    }

    /// Every change verb with a key answers its first reply again, byte for byte, whatever it asks the second time;
    /// a change that failed leaves no key.
    @Test func keysOnEveryChangeAnswerTheirFirstReply() async throws {
        let (session, _, _) = try self.session()
        let held = try (await session.hold(customer: "ann", selection: .explicit(seats("A1")), key: "h1")).result.get()
        let added = try (await session.add(held.holdID, selection: .explicit(seats("A2")), key: "a1")).result.get()
        let again = await session.add(held.holdID, selection: .explicit(seats("A3")), key: "a1")
        #expect(try again.result.get() == added && again.repeated == .hold(added))
        #expect(await session.snapshot().holds[held.holdID]!.seats.count == 2)
        let extended = try (await session.extend(held.holdID, ttlSeconds: 300, key: "e1")).result.get()
        #expect(try (await session.extend(held.holdID, ttlSeconds: 30, key: "e1")).result.get() == extended)
        let part = try (await session.release(held.holdID, seats: seats("A2"), key: "r1")).result.get()
        #expect(try (await session.release(held.holdID, seats: seats("A1"), key: "r1")).result.get() == part)
        let confirmed = try (await session.confirm(held.holdID, key: "c1")).result.get()
        let cancelled = try (await session.cancel(held.holdID, key: "x1")).result.get()
        #expect(try (await session.cancel(held.holdID, key: "x1")).result.get() == cancelled)
        #expect(try (await session.confirm(held.holdID, key: "c1")).result.get() == confirmed)
        let sold = try (await session.sell(customer: "box", selection: .explicit(seats("B1")), key: "s1")).result.get()
        #expect(
            try (await session.sell(customer: "box", selection: .explicit(seats("B2")), key: "s1")).result.get() == sold
        )
        // A key used by another kind of request answers that request's first reply.
        let other = await session.release(sold.holdID, key: "s1")
        #expect(other.repeated == .items(sold))
        // A failed change leaves no key: the same key works once the request can.
        #expect(
            (await session.hold(customer: "cy", selection: .explicit(seats("B1")), key: "f1")).result.failure
                == .taken(seats("B1")))
        #expect(
            try (await session.hold(customer: "cy", selection: .explicit(seats("B3")), key: "f1")).result.get().seats
                == seats("B3"))
        let whole = try (await session.hold(customer: "dee", selection: .explicit(seats("B5")))).result.get()
        #expect(try (await session.release(whole.holdID, key: "w1")).result.get() == whole.holdID)
        #expect(try (await session.release(whole.holdID, key: "w1")).result.get() == whole.holdID)
    }

    /// keyttl=10: keys are forgotten by the sweep once ten seconds old (a logged change), then the key is free
    /// again. keys_per_session=3: a fourth key makes the oldest go.
    @Test func keysLiveTheirTtlAndTheSessionHoldsAtMostItsLimit() async throws {
        let (session, clock, log) = try self.session(keyTTL: 10, keysMax: 3)
        let first = try (await session.hold(customer: "ann", selection: .explicit(seats("A1")), key: "k1")).result.get()
        clock.advance(byMs: 6_000)
        _ = try (await session.hold(customer: "ann", selection: .explicit(seats("A2")), key: "k2")).result.get()
        clock.advance(byMs: 5_000)
        await session.sweep()
        #expect(await session.snapshot().keyCount == 1)
        #expect(log.all.contains { if case .change(_, .keysForgotten(1)) = $0.0 { true } else { false } })
        let fresh = try (await session.hold(customer: "bob", selection: .explicit(seats("A5")), key: "k1")).result.get()
        #expect(fresh.holdID != first.holdID)
        _ = try (await session.hold(customer: "bob", selection: .explicit(seats("A6")), key: "k3")).result.get()
        _ = try (await session.hold(customer: "bob", selection: .explicit(seats("A7")), key: "k4")).result.get()
        let state = await session.snapshot()
        #expect(state.keyCount == 3 && state.answer(forKey: "k2") == nil && state.answer(forKey: "k4") != nil)
    }
}
