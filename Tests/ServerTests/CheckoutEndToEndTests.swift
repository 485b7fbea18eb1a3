import NIOCore
import SeatActors
import Testing

@testable import Server

/// Goal: over a real socket, the checkout requests of protocol 1.1 (ADD, RELEASE of items, SELL, grace=, key= on
/// every change, keyttl=) with their replies, errors and events, and v1's RELEASE unchanged. Method: the
/// in-process server of `EndToEndTests` with a manual clock.
extension EndToEndTests {
    @Test func everyCheckoutRequestOverTheSocket() async throws {
        var setup = Setup()
        let clock = ManualClock()
        setup.clock = clock
        try await self.withServer(setup) { port in
            try await self.withClient(port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                #expect(try await ask("CREATE HALL h A=10 B=10 ga:pit=5") == "OK h 25")
                #expect(try await ask("CREATE SESSION s h ttl=60 grace=120 keyttl=3600 limit=6") == "OK s 25")
                #expect(try await ask("CREATE SESSION x h grace=-1").hasPrefix("ERR BAD_REQUEST"))
                #expect(try await ask("CREATE SESSION x h keyttl=0").hasPrefix("ERR BAD_REQUEST"))
                let start = clock.nowMs()
                let held = try await ask("HOLD s ann A1 key=h1")
                let hold = String(held.split(separator: " ")[1])
                let expires = start + 60_000
                clock.advance(byMs: 1_000)
                // ADD keeps the expiry and lists every item.
                #expect(try await ask("ADD s \(hold) A2 pit:2 key=a1") == "OK \(hold) \(expires) A1 A2 pit:2")
                #expect(try await ask("ADD s \(hold) B9 key=a1") == "OK \(hold) \(expires) A1 A2 pit:2")
                #expect(try await ask("ADD s \(hold) A1") == "ERR TAKEN A1")
                #expect(try await ask("ADD s \(hold) B1 B2 B3") == "ERR LIMIT customer ann has 4 of at most 6 seats")
                let best = try await ask("ADD s \(hold) BEST 2")
                #expect(best.hasPrefix("OK \(hold) \(expires) ") && best.split(separator: " ").count == 8, "\(best)")
                #expect(try await ask("ADD s nosuch A5") == "ERR NO_SUCH_HOLD no hold nosuch")
                #expect(try await ask("ADD s \(hold)").hasPrefix("ERR BAD_REQUEST usage: ADD"))
                // RELEASE of items; v1's RELEASE still answers OK <hold>.
                #expect(try await ask("RELEASE s \(hold) A2 pit:1 key=r1") == "OK \(hold) A2 pit:1")
                #expect(try await ask("RELEASE s \(hold) A2 pit:1 key=r1") == "OK \(hold) A2 pit:1")
                #expect(try await ask("RELEASE s \(hold) A2") == "ERR NOT_HELD not in hold \(hold): A2")
                #expect(try await ask("LIST s ann").hasPrefix("OK \(hold):held:A1,"))
                let other = String(try await ask("HOLD s bob B5").split(separator: " ")[1])
                #expect(try await ask("RELEASE s \(other)") == "OK \(other)")
                // CONFIRM, EXTEND and CANCEL with keys.
                #expect(try await ask("EXTEND s \(hold) 100 key=e1") == "OK \(hold) \(clock.nowMs() + 100_000)")
                #expect(try await ask("EXTEND s \(hold) 5 key=e1") == "OK \(hold) \(clock.nowMs() + 100_000)")
                let confirmed = try await ask("CONFIRM s \(hold) ref=p1 key=c1")
                #expect(confirmed.hasPrefix("OK \(hold) A1 "))
                #expect(try await ask("CONFIRM s \(hold) key=c1") == confirmed)
                #expect(try await ask("CANCEL s \(hold) A1 key=x1") == "OK \(hold) A1")
                #expect(try await ask("CANCEL s \(hold) A1 key=x1") == "OK \(hold) A1")
                #expect(try await ask("CANCEL s \(hold) A1") == "ERR NOT_HELD not in booking \(hold): A1")
                // SELL: one change, a booking CANCEL takes.
                let sold = try await ask("SELL s box B1 B2 ref=cash-7 key=s1")
                let booking = String(sold.split(separator: " ")[1])
                #expect(sold == "OK \(booking) B1 B2")
                #expect(try await ask("SELL s box B3 key=s1") == sold)
                #expect(try await ask("SELL s box B1") == "ERR TAKEN B1")
                #expect(try await ask("SELL s box ANY 5") == "ERR LIMIT customer box has 2 of at most 6 seats")
                #expect(try await ask("LIST s box") == "OK \(booking):sold:B1,B2")
                #expect(try await ask("CANCEL s \(booking) B2") == "OK \(booking) B2")
                // A late payment within the grace; after it, EXPIRED.
                let late = String(try await ask("HOLD s cy A9 ttl=10").split(separator: " ")[1])
                let later = String(try await ask("HOLD s dee A10 ttl=10").split(separator: " ")[1])
                clock.advance(byMs: 10_000 + 60_000)
                #expect(try await ask("MAP s").hasPrefix("OK A:"))
                #expect(try await ask("CONFIRM s \(late)") == "OK \(late) A9")
                clock.advance(byMs: 61_000)
                #expect(try await ask("CONFIRM s \(later)") == "ERR EXPIRED hold \(later) expired")
            }
        }
    }
}
