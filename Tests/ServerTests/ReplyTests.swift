import NIOCore
import Testing

@testable import SeatActors
@testable import Server

/// Goal: a reply is one line of printable ASCII whatever the request held, so that a client reading lines (a text
/// reader that also ends lines at CR) never pairs a reply with the wrong request. Method: `Reply.printable` on
/// chosen bytes, then seeded random request lines through the parser and the dispatcher.
struct ReplyTests {
    static func isPrintable(_ line: String) -> Bool { line.utf8.allSatisfy { (0x20...0x7E).contains($0) } }

    @Test func bytesOutsidePrintableASCIIAreEscaped() {
        #expect(Reply.printable("A1 B2 ~") == "A1 B2 ~")
        #expect(Reply.printable("A1\rB2") == "A1\\x0dB2")
        #expect(Reply.printable("a\nb\u{0}c\u{7F}") == "a\\x0ab\\x00c\\x7f")
        #expect(Reply.printable("é") == "\\xc3\\xa9")
        #expect(Reply.error(.badRequest, "'A1\rB2' is not a seat") == "ERR BAD_REQUEST 'A1\\x0dB2' is not a seat")
    }

    @Test func everyReplyToRandomBytesIsOnePrintableLine() async throws {
        let client = DispatcherTests.Client(try DispatcherTests().make())
        #expect(await client.send("CREATE HALL h A=5 B=5") == "OK h 10")
        #expect(await client.send("CREATE SESSION s h") == "OK s 10")
        let reply = await client.send("HOLD s x A1\rB2")
        #expect(reply.hasPrefix("ERR BAD_REQUEST 'A1\\x0dB2'"), "\(reply)")
        var random = SplitMix64(seed: 7)
        let words = ["HOLD", "s", "x", "A1", "RELEASE", "AUTH", "CREATE", "HALL", "WATCH", "key=", "ttl=", "BEST"]
        for _ in 0..<2_000 {
            var line: [UInt8] = []
            for _ in 0..<Int(random.next() % 6) {
                if random.next() % 2 == 0 {
                    line += Array(words[Int(random.next() % UInt64(words.count))].utf8)
                } else {
                    for _ in 0..<Int(random.next() % 4) { line.append(UInt8(truncatingIfNeeded: random.next())) }
                }
                line.append(UInt8(ascii: " "))
            }
            line.removeAll { $0 == UInt8(ascii: "\n") }
            let reply = await client.send(String(decoding: line, as: UTF8.self))
            #expect(Self.isPrintable(reply), "\(line) -> \(reply.debugDescription)")
        }
    }

    /// The hot replies written into a buffer (`Reply.hold(_:into:)`, `Reply.ok(_:into:)`) are the bytes of their
    /// string forms, for seeded random holds: ids with leading zeros and all bits, any expiry, seats and places.
    @Test func hotRepliesInABufferAreTheirStringForms() {
        var random = SplitMix64(seed: 29)
        let rows = ["A", "Z", "AB", "ZZZ"]
        for round in 0..<500 {
            let raw = round == 0 ? UInt64.max : max(1, random.next() >> (random.next() % 64))
            let id = HoldID(raw: raw)
            let expires = round == 1 ? Int64.min : Int64(bitPattern: random.next()) >> (random.next() % 64)
            let seats = (0..<Int(random.next() % 4)).map { _ in
                SeatLabel(row: rows[Int(random.next() % 4)], number: 1 + Int(random.next() % 9_999))
            }
            let places = (0..<Int(random.next() % 3)).map { index in
                AreaPlaces(area: "pit\(index)", count: 1 + Int(random.next() % 500))
            }
            let reply = HoldReply(holdID: id, expiresAtMs: expires, seats: seats, places: places)
            var buffer = ByteBuffer()
            Reply.hold(reply, into: &buffer)
            #expect(String(buffer: buffer) == Reply.hold(reply))
            buffer.clear()
            Reply.ok(id, into: &buffer)
            #expect(String(buffer: buffer) == Reply.ok(id.description))
        }
    }
}
