import Foundation
import SeatdClient
import Testing

/// Goal: many requests in flight on one connection each get their own reply (replies are matched by order), and
/// concurrent callers share the pool's connections. Method: 1,000 HOLDs of distinct seats sent at once by 1,000
/// tasks over a pool of one connection; each reply must name its own seat, and the map must show them all held.
struct PipelineTests {
    @Test func thousandPipelinedRequestsGetTheirOwnReplies() async throws {
        let fixture = try await ClientFixture("client-pipe")
        defer { fixture.stop() }
        let client = fixture.client(connections: 1)
        defer { client.close() }
        let rows = (0..<10).map { String(UnicodeScalar(UInt8(ascii: "A") + UInt8($0))) }
        _ = try await client.createHall("big", parts: rows.map { "\($0)=100" })
        _ = try await client.createSession("s", hall: "big")
        let seats = rows.flatMap { row in (1...100).map { "\(row)\($0)" } }
        let mismatched = try await withThrowingTaskGroup(of: Bool.self) { group in
            for (index, seat) in seats.enumerated() {
                group.addTask {
                    let hold = try await client.hold("s", customer: "c\(index)", items: [.seat(seat)])
                    return hold.items != [.seat(seat)]
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(mismatched == 0)
        #expect(try await client.avail("s") == Availability(free: 0, held: 1_000, sold: 0))
        #expect(try await client.list("s", customer: "c999").first?.items == ["J100"])
    }

    @Test func rawLinesComeBackInOrderOverManyConnections() async throws {
        let fixture = try await ClientFixture("client-raw")
        defer { fixture.stop() }
        let client = fixture.client(connections: 4)
        defer { client.close() }
        let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<1_000 {
                group.addTask { (index, try await client.send(line: "HALL h\(index)")) }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(replies.allSatisfy { $0.value.hasPrefix("ERR NO_SUCH_HALL") && $0.value.hasSuffix(" h\($0.key)") })
    }
}
