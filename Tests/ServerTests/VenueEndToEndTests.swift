import NIOCore
import SeatActors
import Testing

@testable import Server

/// Goal: over a real socket, every request protocol 1.1 adds for venues (hall parts, GA places, BLOCK, RESERVE,
/// filtered BEST/ANY, orphans=avoid, fallback=split, HALL, HALLS, SESSIONS, AVAIL and MAP forms) with its replies,
/// errors, roles and events, and v1's replies unchanged beside them. Method: the in-process server of
/// `EndToEndTests` with auth on and a manual clock.
extension EndToEndTests {
    @Test func everyVenueRequestAndErrorOverTheSocket() async throws {
        var setup = Setup()
        setup.tokens = [("adm", .admin), ("cli", .client), ("rdr", .reader)]
        let clock = ManualClock()
        setup.clock = clock
        try await self.withServer(setup) { port in
            try await self.withClient(port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                #expect(try await ask("AUTH adm") == "OK admin")
                // Hall parts: capacity counts seats and places; HALL gives the normalised form back.
                #expect(
                    try await ask("CREATE HALL v A=8 B=8 cat:vip=A3-A6,B3-B6 flag:wc=A1,B8 ga:pit=10 cat:stand=pit")
                        == "OK v 26")
                #expect(
                    try await ask("HALL v") == "OK A=8 B=8 ga:pit=10 cat:vip=A3-A6,B3-B6 cat:stand=pit flag:wc=A1,B8")
                #expect(
                    try await ask("CREATE HALL w A=4 foo:x=1")
                        == "ERR BAD_REQUEST unknown hall part 'foo:'; parts are ga:, cat: and flag:")
                #expect(
                    try await ask("CREATE HALL w A=4 cat:x=B1") == "ERR BAD_REQUEST category x: no seat B1 in the hall")
                #expect(
                    try await ask("CREATE HALL w A=4 cat:x=A1-A2 cat:y=A2")
                        == "ERR BAD_REQUEST seat A2 is in categories x and y")
                #expect(try await ask("CREATE HALL w A=4") == "OK w 4")
                #expect(try await ask("HALL w") == "OK A=4")
                #expect(try await ask("HALL nope") == "ERR NO_SUCH_HALL no hall nope")
                #expect(try await ask("HALLS") == "OK v w")
                #expect(try await ask("CREATE SESSION s v ttl=60") == "OK s 26")
                #expect(try await ask("CREATE SESSION t v orphans=avoid") == "OK t 26")
                #expect(try await ask("CREATE SESSION u w") == "OK u 4")
                #expect(
                    try await ask("CREATE SESSION x v orphans=maybe")
                        == "ERR BAD_REQUEST orphans must be avoid or allow")
                #expect(try await ask("SESSIONS") == "OK s t u")
                #expect(try await ask("SESSIONS v") == "OK s t")
                #expect(try await ask("SESSIONS nope") == "ERR NO_SUCH_HALL no hall nope")
                // v1 forms are unchanged on a hall without the new parts.
                #expect(try await ask("MAP u") == "OK A:....")
                #expect(try await ask("AVAIL u") == "OK free=4 held=0 sold=0")
                // MAP and AVAIL with areas.
                #expect(try await ask("MAP s") == "OK A:........ B:........ pit:10/10")
                #expect(try await ask("AVAIL s") == "OK free=26 held=0 sold=0")
                // GA places and seats in one hold; items in hall order.
                let start = clock.nowMs()
                let held = try await ask("HOLD s ann pit:2 B1 A8")
                let hold = String(held.split(separator: " ")[1])
                #expect(held == "OK \(hold) \(start + 60_000) A8 B1 pit:2")
                #expect(try await ask("HOLD s bob pit:9") == "ERR SOLD_OUT pit")
                #expect(try await ask("HOLD s bob A8 pit:9") == "ERR TAKEN A8")
                #expect(try await ask("HOLD s bob moon:1 A9") == "ERR NO_SUCH_SEAT A9 moon")
                #expect(try await ask("HOLD s bob pit:0").hasPrefix("ERR BAD_REQUEST"))
                #expect(try await ask("HOLD s bob pit:1 pit:2") == "ERR BAD_REQUEST area pit is named twice")
                #expect(
                    try await ask("HOLD s bob A1 cat=vip")
                        == "ERR BAD_REQUEST cat=, flag=, orphans= and fallback= apply to BEST and ANY")
                #expect(
                    try await ask("HOLD s bob ANY 2 orphans=avoid")
                        == "ERR BAD_REQUEST orphans= and fallback= apply to BEST")
                #expect(try await ask("LIST s ann") == "OK \(hold):held:A8,B1,pit:2")
                #expect(try await ask("CONFIRM s \(hold)") == "OK \(hold) A8 B1 pit:2")
                #expect(try await ask("CANCEL s \(hold) pit:1") == "OK \(hold) pit:1")
                #expect(try await ask("CANCEL s \(hold) pit:5") == "ERR NOT_HELD not in booking \(hold): pit:5")
                #expect(try await ask("MAP s") == "OK A:.......x B:x....... pit:9/10")
                #expect(try await ask("AVAIL s pit") == "OK free=9 held=0 sold=1")
                #expect(try await ask("AVAIL s cat=stand") == "OK free=9 held=0 sold=1")
                #expect(try await ask("AVAIL s cat=vip") == "OK free=8 held=0 sold=0")
                #expect(try await ask("AVAIL s flag=wc") == "OK free=2 held=0 sold=0")
                #expect(try await ask("AVAIL s cat=gold") == "ERR BAD_REQUEST no category gold in hall v")
                #expect(try await ask("AVAIL s moon") == "ERR BAD_REQUEST no area moon in hall v")
                // Filtered BEST and ANY.
                let vip = try await ask("HOLD s bob BEST 2 cat=vip")
                #expect(vip.hasSuffix(" A4 A5"), "\(vip)")
                let wc = try await ask("HOLD s cy ANY 1 flag=wc")
                #expect(wc.hasSuffix(" A1"), "\(wc)")
                #expect(try await ask("HOLD s cy BEST 9 cat=vip") == "ERR SOLD_OUT 9 seats requested, 6 free")
                // BLOCK, RESERVE and their errors; AVAIL then shows the two counts, MAP b and r.
                #expect(try await ask("BLOCK s B2 B3") == "OK s B2 B3")
                #expect(try await ask("BLOCK s A4 B4") == "ERR TAKEN A4")
                #expect(try await ask("RESERVE s box B7 B8") == "OK s B7 B8")
                #expect(try await ask("RESERVE s box A1") == "ERR TAKEN A1")
                #expect(try await ask("RESERVE s box Z1") == "ERR NO_SUCH_SEAT Z1")
                #expect(try await ask("BLOCK s") == "ERR BAD_REQUEST usage: BLOCK <session> <seat>...")
                #expect(try await ask("MAP s") == "OK A:h..hh..x B:xbb...rr pit:9/10")
                #expect(try await ask("AVAIL s") == "OK free=16 held=3 sold=3 blocked=2 reserved=2")
                #expect(try await ask("HOLD s dee B7") == "ERR TAKEN B7")
                #expect(try await ask("HOLD s dee B2 channel=box") == "ERR TAKEN B2")
                let boxed = try await ask("HOLD s dee B7 channel=box")
                #expect(boxed.hasSuffix(" B7"), "\(boxed)")
                #expect(try await ask("UNBLOCK s B2") == "OK s B2")
                #expect(try await ask("UNRESERVE s B8") == "OK s B8")
                #expect(try await ask("MAP s") == "OK A:h..hh..x B:x.b...h. pit:9/10")
                #expect(try await ask("AVAIL s") == "OK free=18 held=4 sold=3 blocked=1 reserved=0")
                // orphans=avoid (session t's default) and fallback=split over the wire: row B blocked, A `b.....b.`.
                #expect(try await ask("BLOCK t A1 A7 B1 B2 B3 B4 B5 B6 B7 B8") == "OK t A1 A7 B1 B2 B3 B4 B5 B6 B7 B8")
                #expect(try await ask("HOLD t eve BEST 2").hasSuffix(" A5 A6"))
                #expect(try await ask("HOLD t eve BEST 2 orphans=allow").hasSuffix(" A3 A4"))
                #expect(try await ask("HOLD t fay BEST 2") == "ERR NO_ADJACENT no block of 2 adjacent free seats")
                #expect(try await ask("HOLD t fay BEST 2 fallback=split").hasSuffix(" A2 A8"))
                #expect(
                    try await ask("HOLD t fay BEST 2 fallback=sometimes") == "ERR BAD_REQUEST fallback must be split")
            }
            // Events of the new kinds, and items in events.
            try await self.withClient(port) { watch, watchOut in
                try await Self.send(watchOut, "AUTH rdr\nWATCH u\n")
                #expect(try await Self.line(&watch) == "OK reader")
                #expect(try await Self.line(&watch) == "OK")
                try await self.withClient(port) {
                    (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                    func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                    #expect(try await ask("AUTH cli") == "OK client")
                    #expect(try await ask("BLOCK u A1") == "ERR FORBIDDEN client may not do that")
                    #expect(try await ask("RESERVE u box A1") == "ERR FORBIDDEN client may not do that")
                    #expect(try await ask("AUTH adm") == "OK admin")
                    #expect(try await ask("BLOCK u A1") == "OK u A1")
                    #expect(try await ask("RESERVE u box A2 A3") == "OK u A2 A3")
                    #expect(try await ask("UNRESERVE u A3") == "OK u A3")
                    #expect(try await ask("UNBLOCK u A1") == "OK u A1")
                    let events = [
                        try await Self.line(&watch), try await Self.line(&watch), try await Self.line(&watch),
                        try await Self.line(&watch),
                    ].map { ($0 ?? "").split(separator: " ").dropFirst(2).joined(separator: " ") }
                    #expect(
                        events == [
                            "blocked u - - A1", "reserved u - box A2 A3", "unreserved u - - A3", "unblocked u - - A1",
                        ])
                }
            }
            try await self.withClient(port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                #expect(try await ask("AUTH rdr") == "OK reader")
                #expect(try await ask("HALLS") == "OK v w")
                #expect(try await ask("SESSIONS w") == "OK u")
                #expect(try await ask("HALL w") == "OK A=4")
                #expect(try await ask("UNBLOCK u A1") == "ERR FORBIDDEN reader may not do that")
            }
        }
    }
}

/// The configuration file's halls take the same parts as CREATE HALL.
struct ConfigHallPartsTests {
    @Test func configuredHallsTakeParts() throws {
        let halls = try SeatdConfig.halls(["fest A=4 ga:pit=100 cat:vip=A1-A2,pit flag:wc=A4"])
        #expect(halls.count == 1 && halls[0].id == "fest")
        let hall = try Hall(id: halls[0].id, specs: halls[0].rows, parts: halls[0].parts)
        #expect(hall.capacity == 104)
        #expect(hall.partTexts == ["A=4", "ga:pit=100", "cat:vip=A1-A2,pit", "flag:wc=A4"])
        #expect(throws: (any Error).self) { try SeatdConfig.halls(["bad A=4 cat:vip=B1"]) }
    }
}
