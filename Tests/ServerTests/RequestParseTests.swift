import SeatActors
import Testing

@testable import Server

/// Goal: the parser accepts exactly the protocol's request grammar (case rules, CR/LF, runs of spaces, id and seat
/// limits) and names what is wrong otherwise. Method: tables of lines and what they must parse to.
struct RequestParseTests {
    static let id64 = String(repeating: "a", count: 64)
    static let id65 = String(repeating: "a", count: 65)
    static let hold = "00000000000000ff"

    static let good: [(String, Request)] = [
        ("PING", .ping),
        ("ping", .ping),
        ("  PiNg  \r", .ping),
        ("AUTH s3cret", .auth(token: "s3cret")),
        ("STATS", .stats),
        ("snapshot", .snapshot),
        ("QUIT", .quit),
        (
            "CREATE HALL h1 A=20 B=1-10,13-22",
            .createHall(
                id: "h1",
                rows: [
                    RowSpec(label: "A", ranges: [1...20]), RowSpec(label: "B", ranges: [1...10, 13...22]),
                ])
        ),
        ("create hall h1   A=2", .createHall(id: "h1", rows: [RowSpec(label: "A", ranges: [1...2])])),
        ("CREATE SESSION s1 h1", .createSession(id: "s1", hall: "h1", ttlSeconds: nil, maxTTLSeconds: nil, limit: nil)),
        (
            "CREATE session s1 h1 TTL=60 maxttl=600 limit=4",
            .createSession(id: "s1", hall: "h1", ttlSeconds: 60, maxTTLSeconds: 600, limit: 4)
        ),
        ("DROP SESSION s1", .dropSession("s1")),
        (
            "HOLD s1 c1 A1 B12",
            .session(
                "s1",
                .hold(
                    customer: "c1",
                    selection: .explicit([
                        SeatLabel(row: "A", number: 1), SeatLabel(row: "B", number: 12),
                    ]), ttlSeconds: nil, key: nil))
        ),
        (
            "HOLD s1 c1 AAA9999 ttl=30 key=K.1",
            .session(
                "s1",
                .hold(
                    customer: "c1",
                    selection: .explicit([
                        SeatLabel(row: "AAA", number: 9_999)
                    ]), ttlSeconds: 30, key: "K.1"))
        ),
        ("hold s1 c1 best 4", .session("s1", .hold(customer: "c1", selection: .best(4), ttlSeconds: nil, key: nil))),
        (
            "HOLD s1 c1 ANY 2 key=k ttl=5",
            .session("s1", .hold(customer: "c1", selection: .any(2), ttlSeconds: 5, key: "k"))
        ),
        (
            "HOLD \(id64) \(id64) A1",
            .session(
                id64,
                .hold(
                    customer: id64,
                    selection: .explicit([
                        SeatLabel(row: "A", number: 1)
                    ]), ttlSeconds: nil, key: nil))
        ),
        ("EXTEND s1 \(hold) 300", .session("s1", .extend(hold: .id(HoldID(raw: 255)), ttlSeconds: 300))),
        ("CONFIRM s1 \(hold)", .session("s1", .confirm(hold: .id(HoldID(raw: 255)), ref: nil))),
        ("CONFIRM s1 00000000000000FF ref=pay-9", .session("s1", .confirm(hold: .id(HoldID(raw: 255)), ref: "pay-9"))),
        ("RELEASE s1 \(hold)", .session("s1", .release(hold: .id(HoldID(raw: 255))))),
        ("CANCEL s1 \(hold)", .session("s1", .cancel(hold: .id(HoldID(raw: 255)), seats: nil))),
        (
            "CANCEL s1 \(hold) A2",
            .session("s1", .cancel(hold: .id(HoldID(raw: 255)), seats: [SeatLabel(row: "A", number: 2)]))
        ),
        // Any well-formed id may name a hold (the server chooses hold ids; clients cannot know their form).
        ("EXTEND s1 xyz 30", .session("s1", .extend(hold: .unissued("xyz"), ttlSeconds: 30))),
        ("CONFIRM s1 abc", .session("s1", .confirm(hold: .unissued("abc"), ref: nil))),
        ("CONFIRM s1 0000000000000000", .session("s1", .confirm(hold: .unissued("0000000000000000"), ref: nil))),
        ("RELEASE s1 h:1.x-y_z", .session("s1", .release(hold: .unissued("h:1.x-y_z")))),
        (
            "CANCEL s1 \(id64) A2",
            .session("s1", .cancel(hold: .unissued(id64), seats: [SeatLabel(row: "A", number: 2)]))
        ),
        ("AUTH s3cr3t!~", .auth(token: "s3cr3t!~")),
        ("AVAIL s1", .session("s1", .avail)),
        ("MAP s1", .session("s1", .map)),
        ("LIST s1 c1", .session("s1", .list(customer: "c1"))),
        ("WATCH s1", .watch(session: "s1")),
        ("WATCH *", .watch(session: nil)),
    ]

    @Test(arguments: RequestParseTests.good)
    func goodLinesParse(line: String, request: Request) {
        #expect(Request.parse(line[...]) == .success(request))
    }

    @Test(arguments: ["", " ", "    ", "\r", "  \r"])
    func blankLinesGetNoReply(line: String) {
        #expect(Request.parse(line[...]) == nil)
    }

    static let bad: [(String, ProtocolError.Code)] = [
        ("FLY s1", .unknownCommand),
        ("PINGX", .unknownCommand),
        ("PING now", .badRequest),
        ("AUTH", .badRequest),
        ("CREATE", .badRequest),
        ("CREATE TABLE t", .badRequest),
        ("CREATE HALL h1", .badRequest),
        ("CREATE HALL h1 A=0", .badRequest),
        ("CREATE HALL h1 a=5", .badRequest),
        ("CREATE HALL h1 A=1-5,4-8", .badRequest),
        ("CREATE HALL h/1 A=5", .badRequest),
        ("CREATE SESSION s1", .badRequest),
        ("CREATE SESSION s1 h1 ttl=0", .badRequest),
        ("CREATE SESSION s1 h1 ttl=-5", .badRequest),
        ("CREATE SESSION s1 h1 ttl=05", .badRequest),
        ("CREATE SESSION s1 h1 color=red", .badRequest),
        ("CREATE SESSION s1 h1 ttl=5 ttl=6", .badRequest),
        ("DROP s1", .badRequest),
        ("HOLD s1 c1", .badRequest),
        ("HOLD s1 c1 a1", .badRequest),
        ("HOLD s1 c1 A0", .badRequest),
        ("HOLD s1 c1 A01", .badRequest),
        ("HOLD s1 c1 AAAA1", .badRequest),
        ("HOLD s1 c1 A10000", .badRequest),
        ("HOLD s1 c1 A1 A1", .badRequest),
        ("HOLD s1 c1 BEST", .badRequest),
        ("HOLD s1 c1 BEST 0", .badRequest),
        ("HOLD s1 c1 BEST two", .badRequest),
        ("HOLD s1 c1 BEST 2 3", .badRequest),
        ("HOLD s1 c1 A1 ttl=", .badRequest),
        ("HOLD s1 c1 A1 key=", .badRequest),
        ("HOLD s1 c1 A1 ttl=5 A2", .badRequest),
        ("HOLD s1 c1 A1 nope=1", .badRequest),
        ("HOLD \(id65) c1 A1", .badRequest),
        ("HOLD s1 \(id65) A1", .badRequest),
        ("EXTEND s1 \(hold)", .badRequest),
        ("EXTEND s1 x/y 30", .badRequest),
        ("RELEASE s1 \(id65)", .badRequest),
        ("CANCEL s1 h\u{7F} A1", .badRequest),
        ("AUTH \(String(repeating: "t", count: 257))", .badRequest),
        ("AUTH tok\u{0}en", .badRequest),
        ("AUTH tok\u{1B}en", .badRequest),
        ("AUTH tokén", .badRequest),
        ("EXTEND s1 \(hold) 0", .badRequest),
        ("CONFIRM s1 \(hold) ref=a ref=b", .badRequest),
        ("CONFIRM s1 \(hold) extra", .badRequest),
        ("RELEASE s1", .badRequest),
        ("CANCEL s1 \(hold) A1 A1", .badRequest),
        ("AVAIL", .badRequest),
        ("MAP s1 s2", .badRequest),
        ("LIST s1", .badRequest),
        ("WATCH", .badRequest),
        ("WATCH a b", .badRequest),
    ]

    @Test(arguments: RequestParseTests.bad)
    func badLinesAreRefusedWithTheRightCode(line: String, code: ProtocolError.Code) throws {
        let result = try #require(Request.parse(line[...]))
        guard case .failure(let error) = result else {
            Issue.record("\(line) parsed as \(result)")
            return
        }
        #expect(error.code == code)
        #expect(!error.message.isEmpty)
    }

    // MARK: The fast path (`Request.parseFast`)

    static func fast(_ line: String) -> Request? {
        var line = line
        return line.withUTF8 { Request.parseFast(UnsafeRawBufferPointer($0)) }
    }

    /// The hot forms are taken by the fast path, and mean what the parser says they mean.
    @Test(arguments: [
        "HOLD s1 c1 A1",
        "HOLD s1 c1 A1 B2",
        "HOLD sess-01.x c_9:z A1 AB12 ABC9999 Z7 Z8 Z9 Y1 Y2",
        "RELEASE s1 00000000000000ff",
        "RELEASE s1 00000000000000FF",
        "CONFIRM s1 0123456789abcdef",
    ])
    func fastPathTakesTheHotForms(_ line: String) throws {
        let fast = try #require(Self.fast(line))
        #expect(Request.parse(line[...]) == .success(fast))
    }

    /// Anything else is left to the parser: options, places, BEST/ANY, case, runs of spaces, CR, repeated seats,
    /// more than 8 seats, bad ids and seats, hold ids that are not 16 hex digits.
    @Test(arguments: [
        "hold s1 c1 A1", "HOLD s1 c1", "HOLD s1 c1 A1 ttl=60", "HOLD s1 c1 A1 key=k", "HOLD s1 c1 pit:2",
        "HOLD s1 c1 BEST 2", "HOLD s1 c1 ANY 2", "HOLD s1  c1 A1", " HOLD s1 c1 A1", "HOLD s1 c1 A1 ",
        "HOLD s1 c1 A1\r",
        "HOLD s1 c1 A1 A1", "HOLD s1 c1 A1 A2 A3 A4 A5 A6 A7 A8 A9", "HOLD s1 c1 A0", "HOLD s1 c1 A01",
        "HOLD s1 c1 ABCD1", "HOLD s1 c1 A10000", "HOLD s1 c1 a1", "HOLD s/1 c1 A1", "HOLD \(Self.id65) c1 A1",
        "HOLD s1 c1 A1\tB2", "HOLD s1 c1 Aé1", "RELEASE s1 0000000000000000", "RELEASE s1 00000000000000f",
        "RELEASE s1 00000000000000fg", "RELEASE s1 +0000000000000ff", "RELEASE s1 00000000000000ff A1",
        "RELEASE s1 00000000000000ff key=k", "RELEASE s1", "CONFIRM s1 00000000000000ff ref=r",
        "release s1 00000000000000ff",
        "PING", "", "AVAIL s1",
    ])
    func fastPathLeavesTheRestToTheParser(_ line: String) {
        #expect(Self.fast(line) == nil)
    }

    /// On every line of the tables above and on seeded random lines made of the hot requests' pieces, the fast
    /// path gives nothing or what the parser gives.
    @Test func fastPathAgreesWithTheParser() {
        var lines = Self.good.map(\.0) + Self.bad.map(\.0)
        var random = SplitMix64(seed: 28)
        let pieces = [
            "HOLD", "RELEASE", "CONFIRM", "hold", "s1", "c1", "A1", "A2", "AB12", "A0", "Z9999", "A10000", "pit:2",
            "BEST", "2", "key=k", "ttl=5", "00000000000000ff", "0123456789ABCDEF", "0000000000000000", "", " ", "\r",
            Self.id64, Self.id65,
        ]
        let verbs = ["HOLD", "RELEASE", "CONFIRM"]
        for _ in 0..<5_000 {
            // A hot verb, a session, then pieces: most lines are near the hot forms.
            let count = 1 + Int(random.next() % 3)
            let rest = (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
            lines.append(([verbs[Int(random.next() % 3)], "s1"] + rest).joined(separator: " "))
        }
        var taken = 0
        for line in lines {
            guard let fast = Self.fast(line) else { continue }
            taken += 1
            #expect(Request.parse(line[...]) == .success(fast), "\(line.debugDescription)")
        }
        #expect(taken > 100, "the random lines should reach the fast path: \(taken) did")
    }
}
