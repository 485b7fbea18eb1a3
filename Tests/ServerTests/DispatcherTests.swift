import SeatActors
import Store
import Testing
import WAL

@testable import Server

/// Goal: every command answers exactly as the contract says, and every error code the dispatcher can give comes
/// out with the right request. Method: lines parsed and executed against a real `LogService` on the simulated
/// disk with a manual clock; hold ids are read back from the replies.
struct DispatcherTests {
    final class Client {
        let dispatcher: Dispatcher
        var state: Dispatcher.ConnectionState

        init(_ dispatcher: Dispatcher) {
            self.dispatcher = dispatcher
            self.state = dispatcher.newConnection
        }

        func send(_ line: String) async -> String {
            guard let parsed = Request.parse(line[...]) else { return "(no reply)" }
            switch parsed {
            case .failure(let error): return Reply.error(error.code.code, error.message)
            case .success(let request):
                switch await self.dispatcher.execute(request, state: &self.state) {
                case .reply(let response, let token):
                    return self.dispatcher.render(await self.dispatcher.settle(response, token))
                case .watch: return "OK"
                case .quit: return "OK BYE"
                case .end(let response): return self.dispatcher.render(response)
                }
            }
        }

        /// The hold id of a HOLD reply.
        func hold(_ line: String) async -> String {
            let reply = await self.send(line)
            return String(reply.split(separator: " ")[1])
        }
    }

    func make(
        tokens: [(String, Role)] = [], clock: ManualClock = ManualClock(),
        storage: SimulatedStorage = SimulatedStorage()
    )
        throws -> Dispatcher
    {
        let service = try LogService(
            data: "/d", storage: storage, segmentBytes: 64 << 10, clock: clock,
            ids: SeededHoldIDSource(seed: 1))
        return Dispatcher(service: service, tokens: tokens.map { (token: $0.0, role: $0.1) })
    }

    @Test func theWholeLifecycleAnswersAsTheContractSays() async throws {
        let clock = ManualClock()
        let client = Client(try self.make(clock: clock))
        #expect(await client.send("PING") == "OK PONG")
        #expect(await client.send("AUTH anything") == "OK admin")
        #expect(await client.send("CREATE HALL h A=5 B=1-2,4-5") == "OK h 9")
        #expect(await client.send("CREATE HALL h A=5") == "ERR EXISTS hall h exists")
        #expect(await client.send("CREATE SESSION s h ttl=60") == "OK s 9")
        #expect(await client.send("CREATE SESSION s h") == "ERR EXISTS session s exists")
        #expect(await client.send("CREATE SESSION t nope") == "ERR NO_SUCH_HALL no hall nope")
        #expect(await client.send("CREATE SESSION t h ttl=100 maxttl=50").hasPrefix("ERR BAD_REQUEST"))
        let start = clock.nowMs()
        let held = await client.send("HOLD s ann B2 A1 key=k1")
        let hold = String(held.split(separator: " ")[1])
        #expect(held == "OK \(hold) \(start + 60_000) A1 B2")
        #expect(await client.send("HOLD s bob A1 key=k1") == held)
        #expect(await client.send("HOLD s bob A1 A2 B2") == "ERR TAKEN A1 B2")
        #expect(await client.send("HOLD s bob A9") == "ERR NO_SUCH_SEAT A9")
        #expect(await client.send("HOLD s bob B3") == "ERR NO_SUCH_SEAT B3")
        #expect(await client.send("HOLD s ann A2 ttl=7201").hasPrefix("ERR LIMIT"))
        #expect(await client.send("HOLD s bob BEST 5") == "ERR NO_ADJACENT no block of 5 adjacent free seats")
        #expect(await client.send("HOLD s bob ANY 8") == "ERR SOLD_OUT 8 seats requested, 7 free")
        #expect(await client.send("HOLD nope bob A1") == "ERR NO_SUCH_SESSION no session nope")
        #expect(await client.send("AVAIL s") == "OK free=7 held=2 sold=0")
        #expect(await client.send("MAP s") == "OK A:h.... B:.h..")
        #expect(await client.send("EXTEND s \(hold) 30") == "OK \(hold) \(start + 30_000)")
        #expect(await client.send("EXTEND s \(hold) 7201").hasPrefix("ERR LIMIT"))
        #expect(await client.send("CONFIRM s \(hold) ref=pay-1") == "OK \(hold) A1 B2")
        #expect(await client.send("CONFIRM s \(hold)") == "OK \(hold) A1 B2")
        #expect(await client.send("RELEASE s \(hold)").hasPrefix("ERR NOT_HELD"))
        #expect(await client.send("EXTEND s \(hold) 30").hasPrefix("ERR NOT_HELD"))
        let other = await client.hold("HOLD s bob ANY 1")
        #expect(await client.send("LIST s ann") == "OK \(hold):sold:A1,B2")
        #expect(await client.send("LIST s nobody") == "OK")
        #expect(await client.send("CANCEL s \(other)").hasPrefix("ERR NOT_HELD"))
        #expect(await client.send("CANCEL s \(hold) B2") == "OK \(hold) B2")
        #expect(await client.send("CANCEL s \(hold) B2").hasPrefix("ERR NOT_HELD"))
        #expect(await client.send("RELEASE s \(other)") == "OK \(other)")
        #expect(await client.send("RELEASE s \(other)") == "ERR NO_SUCH_HOLD no hold \(other)")
        let lapsing = await client.hold("HOLD s bob A5")
        clock.advance(byMs: 60_000)
        #expect(await client.send("CONFIRM s \(lapsing)") == "ERR EXPIRED hold \(lapsing) expired")
        #expect(await client.send("AVAIL s") == "OK free=8 held=0 sold=1")
        let stats = await client.send("STATS")
        for key in [
            "halls=1", "sessions=1", "holds_live=0", "seats_held=0", "seats_sold=1", "confirms_total=1",
            "conflicts_total=3", "connections=", "last_lsn=", "durable_lsn=", "wal_bytes=", "uptime_s=",
        ] {
            #expect(stats.contains(key), "\(key) in \(stats)")
        }
        #expect(await client.send("SNAPSHOT").hasPrefix("OK "))
        #expect(await client.send("DROP SESSION s") == "OK s")
        #expect(await client.send("DROP SESSION s") == "ERR NO_SUCH_SESSION no session s")
        #expect(await client.send("WATCH s") == "ERR NO_SUCH_SESSION no session s")
        #expect(await client.send("WATCH *") == "OK")
        #expect(await client.send("FROB") == "ERR UNKNOWN_COMMAND unknown command FROB")
        #expect(await client.send("HOLD s").hasPrefix("ERR BAD_REQUEST"))
        #expect(await client.send("QUIT") == "OK BYE")
    }

    @Test func authAndRolesGateEveryCommand() async throws {
        let dispatcher = try self.make(tokens: [("adm", .admin), ("cli", .client), ("rdr", .reader)])
        let anonymous = Client(dispatcher)
        #expect(await anonymous.send("PING") == "ERR NOAUTH authenticate first: AUTH <token>")
        #expect(await anonymous.send("AUTH wrong") == "ERR NOAUTH invalid token")
        #expect(await anonymous.send("QUIT") == "OK BYE")
        let admin = Client(dispatcher)
        #expect(await admin.send("AUTH adm") == "OK admin")
        #expect(await admin.send("CREATE HALL h A=5") == "OK h 5")
        #expect(await admin.send("CREATE SESSION s h") == "OK s 5")
        let client = Client(dispatcher)
        #expect(await client.send("AUTH cli") == "OK client")
        #expect(await client.send("CREATE HALL g A=5") == "ERR FORBIDDEN client may not do that")
        #expect(await client.send("SNAPSHOT") == "ERR FORBIDDEN client may not do that")
        #expect(await client.send("HOLD s c A1").hasPrefix("OK "))
        let reader = Client(dispatcher)
        #expect(await reader.send("AUTH rdr") == "OK reader")
        #expect(await reader.send("HOLD s c A2") == "ERR FORBIDDEN reader may not do that")
        #expect(await reader.send("AVAIL s") == "OK free=4 held=1 sold=0")
        #expect(await reader.send("MAP s") == "OK A:h....")
        #expect(await reader.send("PING") == "OK PONG")
    }

    @Test func tokensCompareWholly() {
        #expect(Dispatcher.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Dispatcher.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!Dispatcher.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!Dispatcher.constantTimeEqual(Array("abc".utf8), []))
    }

    @Test func aFailedLogAnswersUnavailableForChangesAndKeepsReads() async throws {
        let storage = SimulatedStorage(faultAt: 12, fault: .ioError)
        let dispatcher = try self.make(storage: storage)
        let client = Client(dispatcher)
        #expect(await client.send("CREATE HALL h A=50") == "OK h 50")
        #expect(await client.send("CREATE SESSION s h") == "OK s 50")
        var unavailable = false
        for number in 1...20 where !unavailable {
            unavailable = await client.send("HOLD s c A\(number)").hasPrefix("ERR UNAVAILABLE")
        }
        #expect(unavailable)
        #expect(try dispatcher.service.handleFailure())
        #expect(await client.send("HOLD s c A40").hasPrefix("ERR UNAVAILABLE"))
        #expect(await client.send("AVAIL s").hasPrefix("OK free="))
        #expect(try dispatcher.service.tryResume())
        #expect(await client.send("HOLD s c A40").hasPrefix("OK "))
    }
}
