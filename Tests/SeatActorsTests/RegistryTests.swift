import Testing

@testable import SeatActors

/// Goal: halls and sessions are created, found and dropped with the right errors, and the records they log
/// replay through `RegistryState` to exactly the live state (several sessions, a drop and a re-create included).
struct RegistryTests {
    @Test func createFindAndDrop() async throws {
        let registry = Registry(log: InMemoryChangeLog())
        let (hall, _) = try registry.createHall(id: "h", rows: try rows("A=5"))
        #expect(hall.capacity == 5)
        #expect(error { try registry.createHall(id: "h", rows: try rows("A=5")) } == .exists("hall h"))
        #expect(error { try registry.createSession(try SessionConfig(id: "s", hallID: "nope")) } == .noSuchHall("nope"))
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
        #expect(error { try registry.createSession(try SessionConfig(id: "s", hallID: "h")) } == .exists("session s"))
        #expect(registry.session("s") === session)
        _ = try await registry.dropSession("s")
        #expect(registry.session("s") == nil)
        #expect(await session.counts().result == .failure(.noSuchSession("s")))
        await #expect(throws: SeatError.noSuchSession("s")) { try await registry.dropSession("s") }
        let again = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
        #expect(again !== session)
        #expect(registry.counts == (1, 1))
    }

    @Test func recordsReplayToTheLiveState() async throws {
        let log = RecordingChangeLog()
        let clock = ManualClock()
        let registry = Registry(log: log, clock: clock, ids: SeededHoldIDSource(seed: 5))
        _ = try registry.createHall(id: "h", rows: try rows("A=1-4,7-9 B=8 C=3"))
        var random = SplitMix64(seed: 77)
        for index in 0..<4 {
            _ = try registry.createSession(try SessionConfig(id: "s\(index)", hallID: "h", ttlSeconds: 30))
        }
        _ = try await registry.dropSession("s3")
        _ = try registry.createSession(try SessionConfig(id: "s3", hallID: "h", ttlSeconds: 30, customerSeatsMax: 4))
        var held: [(Session, HoldID)] = []
        for _ in 0..<400 {
            let session = registry.session("s\(random.below(4))")!
            switch random.below(5) {
            case 0, 1:
                let selection: SeatSelection = random.below(2) == 0 ? .best(1 + random.below(3)) : .any(2)
                if case .success(let reply) = await session.hold(
                    customer: "c\(random.below(3))", selection: selection,
                    key: random.below(3) == 0 ? "k\(random.below(9))" : nil
                ).result {
                    held.append((session, reply.holdID))
                }
            case 2 where !held.isEmpty:
                let (owner, id) = held[random.below(held.count)]
                _ = await owner.confirm(id, ref: "r")
            case 3 where !held.isEmpty:
                let (owner, id) = held[random.below(held.count)]
                _ = random.below(2) == 0 ? await owner.release(id).lsn : await owner.cancel(id).lsn
            default:
                clock.advance(byMs: Int64(random.below(20_000)))
                _ = await registry.sweep()
            }
        }
        var replayed = RegistryState()
        for (record, lsn) in log.all { try replayed.apply(record, lsn: lsn) }
        #expect(replayed.sessions.count == 4)
        for session in registry.sessions {
            let live = await session.snapshot()
            #expect(replayed.handles[session.id] == session.handle)
            #expect(replayed.sessions[session.handle]?.digest == live.digest)
        }
    }
}
