import SeatActors
import Store
import Testing
import WAL

@testable import Server

/// Goal: the places where the server departed from `docs/protocol.md` now follow it: hold ids of any well-formed
/// form, STATS whose fields agree, tokens that compare wholly and have a form. Method: lines executed by the
/// dispatcher against a real `LogService` on the simulated disk, as `DispatcherTests` does.
struct ContractTests {
    let tests = DispatcherTests()

    @Test func aWellFormedHoldIDTheServerNeverIssuedIsNoSuchHold() async throws {
        let client = DispatcherTests.Client(try self.tests.make())
        _ = await client.send("CREATE HALL h A=5")
        _ = await client.send("CREATE SESSION s h")
        for line in [
            "CONFIRM s abc", "EXTEND s abc 10", "RELEASE s abc", "CANCEL s abc", "CANCEL s abc A1",
            "CONFIRM s abc ref=p1",
        ] {
            #expect(await client.send(line) == "ERR NO_SUCH_HOLD no hold abc", "\(line)")
        }
        let id64 = String(repeating: "h", count: 64)
        #expect(await client.send("RELEASE s \(id64)") == "ERR NO_SUCH_HOLD no hold \(id64)")
        #expect(await client.send("CONFIRM s 0000000000000000") == "ERR NO_SUCH_HOLD no hold 0000000000000000")
        #expect(await client.send("CONFIRM s 00000000000000ff") == "ERR NO_SUCH_HOLD no hold 00000000000000ff")
        // Not a well-formed id: BAD_REQUEST.
        #expect(await client.send("CONFIRM s a/b").hasPrefix("ERR BAD_REQUEST hold id must be"))
        #expect(await client.send("CONFIRM s \(id64)x").hasPrefix("ERR BAD_REQUEST hold id must be"))
        // An unknown session answers NO_SUCH_SESSION whatever its hold id looks like.
        for line in [
            "EXTEND nosuch h1 10", "CONFIRM nosuch abc", "RELEASE nosuch 00000000000000ff", "CANCEL nosuch x A1",
        ] {
            #expect(await client.send(line) == "ERR NO_SUCH_SESSION no session nosuch", "\(line)")
        }
        _ = await client.send("DROP SESSION s")
        #expect(await client.send("CONFIRM s abc") == "ERR NO_SUCH_SESSION no session s")
    }

    /// Every reply that lists items answers `OK` alone, with no trailing space, when the list is empty
    /// (`OK <hall>...` means `OK` for none), and the same reply lists the items once there are some.
    @Test func everyListReplyWithNoItemsIsOKAlone() async throws {
        let client = DispatcherTests.Client(try self.tests.make())
        #expect(await client.send("HALLS") == "OK")
        #expect(await client.send("SESSIONS") == "OK")
        _ = await client.send("CREATE HALL h A=5")
        _ = await client.send("CREATE HALL g A=5")
        #expect(await client.send("HALLS") == "OK g h")
        #expect(await client.send("SESSIONS") == "OK")
        #expect(await client.send("SESSIONS h") == "OK")
        _ = await client.send("CREATE SESSION s h")
        #expect(await client.send("SESSIONS g") == "OK")
        #expect(await client.send("SESSIONS h") == "OK s")
        #expect(await client.send("SESSIONS") == "OK s")
        #expect(await client.send("LIST s nobody") == "OK")
        #expect(await client.send("HISTORY s seat=A1") == "OK")
        #expect(await client.send("HISTORY s 00000000000000ff") == "OK")
        _ = await client.send("DROP SESSION s")
        #expect(await client.send("SESSIONS h") == "OK")
        #expect(await client.send("SESSIONS") == "OK")
    }

    /// STATS in the same pipelined batch as changes: its durable_lsn covers its last_lsn and every change it counts.
    @Test func statsFieldsAgreeWithEachOther() async throws {
        let dispatcher = try self.tests.make()
        var state = dispatcher.newConnection
        var outcomes: [Dispatcher.Outcome] = []
        for line in ["CREATE HALL h A=5", "CREATE SESSION s h", "HOLD s c A1", "HOLD s d A2", "STATS"] {
            guard case .success(let request) = Request.parse(line[...]) else {
                Issue.record("\(line) did not parse")
                return
            }
            outcomes.append(await dispatcher.execute(request, state: &state))
        }
        guard case .reply(let response, let token) = outcomes.last!, case .stats(let stats) = response else {
            Issue.record("STATS gave \(outcomes.last!)")
            return
        }
        #expect(stats.lastLSN == 4 && token.lsn == 4)
        #expect(stats.seatsHeld == 2)
        let reply = dispatcher.render(await dispatcher.settle(response, token))
        let fields = Dictionary(
            uniqueKeysWithValues: reply.dropFirst(3).split(separator: " ").map {
                let pair = $0.split(separator: "=")
                return (String(pair[0]), String(pair[1]))
            })
        #expect(fields["last_lsn"] == "4")
        #expect(Int(fields["durable_lsn"] ?? "") ?? 0 >= 4, "\(reply)")
    }

    @Test func tokensCompareInFullWhateverFollowsThem() {
        let token = Array("secret".utf8)
        #expect(!Dispatcher.constantTimeEqual(token + [UInt8](repeating: 0, count: 256), token))
        #expect(!Dispatcher.constantTimeEqual(token, token + [UInt8](repeating: 0, count: 256)))
        #expect(!Dispatcher.constantTimeEqual(token + [UInt8](repeating: 0, count: 512), token))
        #expect(!Dispatcher.constantTimeEqual([], [UInt8](repeating: 0, count: 256)))
        #expect(Dispatcher.constantTimeEqual(token, token))
    }

    @Test func authTakesOnlyATokenOfItsForm() async throws {
        let client = DispatcherTests.Client(try self.tests.make(tokens: [("secret", .admin)]))
        #expect(await client.send("AUTH secret\u{0}\u{0}\u{0}").hasPrefix("ERR BAD_REQUEST a token is"))
        #expect(await client.send("AUTH \(String(repeating: "s", count: 300))").hasPrefix("ERR BAD_REQUEST a token is"))
        #expect(await client.send("AUTH secre") == "ERR NOAUTH invalid token")
        #expect(await client.send("AUTH secret") == "OK admin")
    }
}
