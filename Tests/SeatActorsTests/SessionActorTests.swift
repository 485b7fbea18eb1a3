import Testing

@testable import SeatActors

/// Goal: the actor's own duties: lazy and swept expiry with an injected clock (no sleeping), events with the
/// change's LSN in order, and bounded subscriber buffers. Method: a real `Session` with a `ManualClock`.
struct SessionActorTests {
    func makeSession(ttl: Int = 60, hub: EventHub = EventHub()) throws -> (Session, ManualClock, Registry) {
        let clock = ManualClock()
        let registry = Registry(log: InMemoryChangeLog(), hub: hub, clock: clock, ids: SeededHoldIDSource(seed: 3))
        _ = try registry.createHall(id: "h", rows: try rows("A=5 B=5"))
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h", ttlSeconds: ttl))
        return (session, clock, registry)
    }

    @Test func aSweepFreesLapsedSeatsWithoutAnyRequest() async throws {
        let (session, clock, registry) = try self.makeSession()
        let hold = try await session.hold(customer: "c", selection: .explicit(seats("A1 A2"))).result.get()
        #expect(hold.expiresAtMs == clock.nowMs() + 60_000)
        clock.advance(byMs: 59_999)
        #expect(await registry.sweep() == 0)
        #expect(try await session.counts().result.get().held == 2)
        clock.advance(byMs: 1)
        #expect(await registry.sweep() == 1)
        #expect(try await session.counts().result.get() == SeatCounts(free: 10, held: 0, sold: 0))
        #expect(await session.confirm(hold.holdID).result == .failure(.expired("\(hold.holdID)")))
    }

    @Test func aLapsedHoldIsExpiredOnAccess() async throws {
        let (session, clock, _) = try self.makeSession()
        let hold = try await session.hold(customer: "c", selection: .explicit(seats("A1"))).result.get()
        clock.advance(byMs: 60_000)
        #expect(await session.extend(hold.holdID, ttlSeconds: 30).result == .failure(.expired("\(hold.holdID)")))
        #expect(try await session.counts().result.get().free == 10)
    }

    @Test func aHoldOnSeatsOfALapsedHoldSucceeds() async throws {
        let (session, clock, _) = try self.makeSession()
        _ = try await session.hold(customer: "c", selection: .explicit(seats("A1"))).result.get()
        clock.advance(byMs: 60_000)
        let again = try await session.hold(customer: "d", selection: .explicit(seats("A1"))).result.get()
        #expect(names(again.seats) == "A1")
    }

    @Test func bestSeesSeatsOfLapsedHoldsBeyondTheAccessBudget() async throws {
        let clock = ManualClock()
        let registry = Registry(log: InMemoryChangeLog(), clock: clock, ids: SeededHoldIDSource(seed: 4))
        _ = try registry.createHall(id: "h", rows: [RowSpec(label: "A", ranges: [1...100])])
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h", ttlSeconds: 60))
        for number in 1...100 {
            _ = try await session.hold(customer: "c", selection: .explicit([SeatLabel(row: "A", number: number)]))
                .result.get()
        }
        clock.advance(byMs: 60_000)
        let reply = try await session.hold(customer: "d", selection: .best(90)).result.get()
        #expect(reply.seats.count == 90)
    }

    @Test func eventsCarryTheirLSNInOrder() async throws {
        let hub = EventHub()
        let (session, clock, registry) = try self.makeSession(hub: hub)
        let one = hub.subscribe(session: "s")
        let all = hub.subscribe(session: nil)
        let other = hub.subscribe(session: "elsewhere")
        let a = try await session.hold(customer: "ann", selection: .explicit(seats("B2 A1"))).result.get()
        _ = try await session.extend(a.holdID, ttlSeconds: 100).result.get()
        _ = try await session.confirm(a.holdID).result.get()
        _ = try await session.cancel(a.holdID, seats: seats("B2")).result.get()
        let b = try await session.hold(customer: "bob", selection: .explicit(seats("A3"))).result.get()
        _ = try await session.release(b.holdID).result.get()
        _ = try await session.hold(customer: "cy", selection: .explicit(seats("A5"))).result.get()
        clock.advance(byMs: 60_000)
        _ = await registry.sweep()
        one.cancel()
        all.cancel()
        other.cancel()
        var received: [ChangeEvent] = []
        for await event in one.events { received.append(event) }
        let lines = received.map { "\($0.kind) \($0.customer) \(names($0.seats))" }
        #expect(
            lines == [
                "held ann A1 B2", "extended ann A1 B2", "confirmed ann A1 B2", "cancelled ann B2",
                "held bob A3", "released bob A3", "held cy A5", "expired cy A5",
            ])
        #expect(zip(received, received.dropFirst()).allSatisfy { $0.seq < $1.seq })
        var everything: [ChangeEvent] = []
        for await event in all.events { everything.append(event) }
        #expect(everything == received)
        var none = 0
        for await _ in other.events { none += 1 }
        #expect(none == 0)
    }

    @Test func aSubscriberThatFallsBehindIsCutOff() async throws {
        let hub = EventHub()
        let (session, _, _) = try self.makeSession(hub: hub)
        let slow = hub.subscribe(session: "s", bufferMax: 3)
        for number in 1...5 {
            _ = await session.hold(customer: "c", selection: .explicit([SeatLabel(row: "A", number: number)]))
        }
        var count = 0
        for await _ in slow.events { count += 1 }
        #expect(count == 3)
        #expect(slow.overflowed)
        #expect(!hub.hasSubscribers)
    }
}
