import Foundation
import SeatdClient
import Testing

/// Goal: every error code reaches the caller as its own `SeatdError` case, with the data the code carries.
/// Method: provoke each code from a real seatd (auth on for NOAUTH and FORBIDDEN, one connection allowed for BUSY,
/// two events retained for TRIMMED); the codes a single node never sends (MOVED, TRYAGAIN) and UNAVAILABLE (a
/// failed log) are read from their reply lines.
struct ErrorCodeTests {
    /// The code of what `body` throws.
    func code(_ body: () async throws -> some Any) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch let error as SeatdError {
            return error.code ?? "\(error)"
        } catch {
            return "\(error)"
        }
    }

    @Test func sessionErrorsAreTyped() async throws {
        let fixture = try await ClientFixture("client-errors")
        defer { fixture.stop() }
        let client = fixture.client()
        defer { client.close() }
        try await fixture.venue(client)
        _ = try await client.createSession("lim", hall: "h", options: SessionOptions(limit: 2))
        #expect(await self.code { try await client.hold("s", customer: "a b", items: ["A1"]) } == "BAD_REQUEST")
        #expect(await self.code { try await client.createHall("h", parts: ["A=1"]) } == "EXISTS")
        #expect(await self.code { try await client.hall("nope") } == "NO_SUCH_HALL")
        #expect(await self.code { try await client.map("nope") } == "NO_SUCH_SESSION")
        #expect(await self.code { try await client.hold("s", customer: "a", items: ["A9"]) } == "NO_SUCH_SEAT")
        #expect(await self.code { try await client.confirm("s", hold: "feedfeedfeedfeed") } == "NO_SUCH_HOLD")
        let hold = try await client.hold("s", customer: "a", items: ["A1", "A2"])
        await #expect(throws: SeatdError.taken(seats: ["A2"])) {
            _ = try await client.hold("s", customer: "b", items: ["A2", "A3"])
        }
        #expect(await self.code { try await client.hold("s", customer: "b", items: ["pit:11"]) } == "SOLD_OUT")
        #expect(await self.code { try await client.hold("s", customer: "b", .best(11)) } == "SOLD_OUT")
        _ = try await client.hold("s", customer: "c", items: ["A4", "B2", "B6"])
        #expect(await self.code { try await client.hold("s", customer: "b", .best(3)) } == "NO_ADJACENT")
        #expect(await self.code { try await client.hold("lim", customer: "b", .any(3)) } == "LIMIT")
        #expect(await self.code { try await client.cancel("s", hold: hold.id) } == "NOT_HELD")
        let brief = try await client.hold("s", customer: "d", .items(["B7"]), options: HoldOptions(ttlSeconds: 1))
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(await self.code { try await client.confirm("s", hold: brief.id) } == "EXPIRED")
        let long = String(repeating: "a", count: 5_000)
        #expect(await self.code { try await client.hold("s", customer: long, items: ["A1"]) } == "LINE_TOO_LONG")
        try await client.ping()  // the pool replaces the connection the server closed
        try await Task.sleep(for: .milliseconds(100))
        let unknown = SeatdError(replyLine: try await client.send(line: "FROB"))
        #expect(unknown == .unknownCommand("unknown command FROB"))
    }

    @Test func authErrorsAreTyped() async throws {
        let fixture = try await ClientFixture(
            "client-auth", environment: ["SEATD_AUTH_TOKENS": "admin:adm1n-token,reader:read3r-token"])
        defer { fixture.stop() }
        let anonymous = fixture.client()
        defer { anonymous.close() }
        #expect(await self.code { try await anonymous.halls() } == "NOAUTH")
        let wrong = fixture.client(token: "wrong-token")
        defer { wrong.close() }
        #expect(await self.code { try await wrong.ping() } == "NOAUTH")
        let reader = fixture.client(token: "read3r-token")
        defer { reader.close() }
        #expect(try await reader.halls() == [])
        #expect(await self.code { try await reader.createHall("x", parts: ["A=1"]) } == "FORBIDDEN")
        let admin = fixture.client(token: "adm1n-token")
        defer { admin.close() }
        #expect(try await admin.createHall("x", parts: ["A=1"]) == 1)
    }

    @Test func busyAndTrimmedAreTyped() async throws {
        let fixture = try await ClientFixture(
            "client-busy", environment: ["SEATD_LIMITS_CONNECTIONS": "1", "SEATD_EVENTS_RETAIN_PER_SESSION": "2"])
        defer { fixture.stop() }
        let client = fixture.client(connections: 1)
        defer { client.close() }
        try await fixture.venue(client)
        for seat in ["A1", "A2", "A3", "A4"] { _ = try await client.hold("s", customer: "a", items: [.seat(seat)]) }
        let second = fixture.client(connections: 1)
        defer { second.close() }
        #expect(await self.code { try await second.ping() } == "BUSY")
        client.close()
        try await Task.sleep(for: .milliseconds(200))
        var events = fixture.client(connections: 1).watch("s", from: 1).makeAsyncIterator()
        await #expect {
            _ = try await events.next()
        } throws: { error in
            guard case .trimmed(let oldest?, _) = error as? SeatdError else { return false }
            return oldest > 1
        }
    }

    @Test(arguments: [
        ("ERR MOVED 17 127.0.0.1:7001", SeatdError.moved(slot: 17, address: "127.0.0.1:7001")),
        ("ERR TRYAGAIN 100", .tryAgain(milliseconds: 100)),
        ("ERR UNAVAILABLE the log cannot be written", .unavailable("the log cannot be written")),
        ("ERR TRIMMED 42", .trimmed(oldestSeq: 42, message: "42")),
        ("ERR TAKEN A1 B2", .taken(seats: ["A1", "B2"])),
        ("ERR NEWCODE some text", .other(code: "NEWCODE", message: "some text")),
    ])
    func replyLinesReadAsTheirCode(line: String, error: SeatdError) {
        #expect(SeatdError(replyLine: line) == error)
        #expect(SeatdError(replyLine: "OK PONG") == nil)
    }
}
