import Foundation
import SeatdClient
import Testing

/// Goal: every command of `docs/protocol.md` has a typed method whose reply reads back what the server did.
/// Method: a real seatd on a temporary directory; each test walks a few commands and checks their typed replies.
struct CommandTests {
    @Test func hallsSessionsAndReadsAnswerTyped() async throws {
        let fixture = try await ClientFixture("client-cmd")
        defer { fixture.stop() }
        let client = fixture.client()
        defer { client.close() }
        try await client.ping()
        #expect(try await client.auth("anything") == "admin")
        #expect(try await client.createHall("h", parts: ["A=6", "B=1-3,5-7", "ga:pit=10", "cat:vip=A1-A3"]) == 22)
        #expect(try await client.hall("h") == ["A=6", "B=1-3,5-7", "ga:pit=10", "cat:vip=A1-A3"])
        #expect(try await client.halls() == ["h"])
        #expect(
            try await client.createSession("s", hall: "h", options: SessionOptions(ttlSeconds: 600, limit: 20)) == 22)
        #expect(try await client.createSession("t", hall: "h") == 22)
        #expect(try await client.sessions() == ["s", "t"])
        #expect(try await client.sessions(hall: "h") == ["s", "t"])
        try await client.dropSession("t")
        #expect(try await client.sessions() == ["s"])
        #expect(try await client.avail("s") == Availability(free: 22, held: 0, sold: 0))
        let map = try await client.map("s")
        #expect(map.rows.map(\.label) == ["A", "B"])
        #expect(map.rows[1].seats == Array(repeating: .free, count: 6))
        #expect(map.areas == [SeatMap.Area(name: "pit", free: 10, capacity: 10)])
        let stats = try await client.stats()
        #expect(stats["halls"] == "1" && stats.lastLSN > 0)
        #expect(try await client.snapshot() >= stats.lastLSN)
        let notClustered = SeatdError.badRequest("not a cluster node (cluster.etcd is not set)")
        await #expect(throws: notClustered) { _ = try await client.clusterSlots() }
        await #expect(throws: notClustered) { _ = try await client.clusterInfo() }
        await #expect(throws: notClustered) { _ = try await client.clusterFailover() }
    }

    @Test func holdsWalkEveryChange() async throws {
        let fixture = try await ClientFixture("client-hold")
        defer { fixture.stop() }
        let client = fixture.client()
        defer { client.close() }
        try await fixture.venue(client)
        let hold = try await client.hold("s", customer: "ann", items: ["A4", "A5"], key: "k1")
        #expect(hold.items == [.seat("A4"), .seat("A5")])
        #expect(try await client.hold("s", customer: "ann", items: ["A4", "A5"], key: "k1") == hold)
        let added = try await client.add("s", hold: hold.id, .items(["A6", "pit:2"]), options: HoldOptions(key: "k2"))
        #expect(added.items == ["A4", "A5", "A6", .places(area: "pit", count: 2)])
        #expect(added.expiresAtMs == hold.expiresAtMs)
        #expect(try await client.extend("s", hold: hold.id, ttlSeconds: 900) > hold.expiresAtMs)
        #expect(try await client.release("s", hold: hold.id, items: ["A4"]).items == ["A4"])
        #expect(
            try await client.list("s", customer: "ann") == [
                Listing(hold: hold.id, state: .held, items: ["A5", "A6", "pit:2"])
            ])
        let booking = try await client.confirm("s", hold: hold.id, ref: "pay-1", key: .generated)
        #expect(booking == HoldItems(hold: hold.id, items: ["A5", "A6", "pit:2"]))
        #expect(try await client.cancel("s", hold: hold.id, items: ["pit:1"]).items == ["pit:1"])
        #expect(try await client.list("s", customer: "ann").first?.state == .sold)
        let best = try await client.hold("s", customer: "bob", .best(2), options: HoldOptions(ttlSeconds: 60))
        #expect(best.items.count == 2)
        #expect(try await client.release("s", hold: best.id) == HoldItems(hold: best.id, items: []))
        let vip = try await client.hold("s", customer: "cy", .any(2), options: HoldOptions(category: "vip"))
        #expect(Set(vip.items).isSubset(of: ["A1", "A2", "A3"]))
        let sold = try await client.sell("s", customer: "box", .items(["B1"]), options: HoldOptions(ref: "cash"))
        #expect(sold.items == ["B1"])
        #expect(try await client.cancel("s", hold: sold.hold).items == ["B1"])
        #expect(
            try await client.history("s", hold: hold.id).map(\.type) == [
                "held", "added", "extended", "released", "confirmed", "cancelled",
            ])
        #expect(try await client.history("s", seat: "B1").map(\.customer) == ["box", "box"])
    }

    @Test func adminSeatsAndMapStates() async throws {
        let fixture = try await ClientFixture("client-admin")
        defer { fixture.stop() }
        let client = fixture.client()
        defer { client.close() }
        try await fixture.venue(client)
        #expect(try await client.block("s", seats: ["A1", "A2"]) == ["A1", "A2"])
        #expect(try await client.reserve("s", channel: "press", seats: ["B7"]) == ["B7"])
        let held = try await client.hold("s", customer: "dee", .items(["B7"]), options: HoldOptions(channel: "press"))
        _ = try await client.confirm("s", hold: held.id)
        _ = try await client.hold("s", customer: "eve", items: ["A3", "pit:3"])
        let map = try await client.map("s")
        #expect(map.rows[0].seats == [.blocked, .blocked, .held, .free, .free, .free])
        #expect(map.rows[1].seats.last == .sold)
        #expect(map.areas.first?.free == 7)
        #expect(try await client.avail("s") == Availability(free: 15, held: 4, sold: 1, blocked: 2, reserved: 0))
        #expect(try await client.avail("s", part: .area("pit")).held == 3)
        #expect(try await client.avail("s", part: .category("vip")).blocked == 2)
        #expect(try await client.unblock("s", seats: ["A1"]) == ["A1"])
        #expect(try await client.unreserve("s", seats: ["B7"]) == ["B7"])
        #expect(try await client.send(line: "PING") == "OK PONG")
        #expect(try await client.send(line: "FROB") == "ERR UNKNOWN_COMMAND unknown command FROB")
        #expect(try await client.send(line: "QUIT") == "OK BYE")
        try await client.ping()  // the pool opens a new connection for the one QUIT ended
    }
}
