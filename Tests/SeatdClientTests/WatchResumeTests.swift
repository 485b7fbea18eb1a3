import Foundation
import SeatdClient
import Testing

/// Goal: a watch resumes after its server was killed with `kill -9` and started again on the same data directory,
/// with no gap and no duplicate. Method: a watcher reads the events of 20 holds, seatd is killed and restarted on
/// the same port, 20 more holds are made; the watcher's 40 events must equal what a fresh `WATCH from=1` replays.
struct WatchResumeTests {
    @Test func watchResumesAcrossKillNine() async throws {
        let fixture = try await ClientFixture("client-watch")
        defer { fixture.stop() }
        let client = fixture.client()
        defer { client.close() }
        try await fixture.venue(client)
        var watcher = client.watch("s", from: try await client.stats().lastLSN + 1).makeAsyncIterator()
        var seen: [Event] = []
        let seats = (1...6).map { "A\($0)" } + ["B1", "B2", "B3", "B5", "B6", "B7"]
        for index in 0..<20 {
            let hold = try await client.hold("s", customer: "a\(index)", items: [.seat(seats[index % 12])])
            _ = try await client.release("s", hold: hold.id)
            if index % 2 == 0, let event = try await watcher.next() { seen.append(event) }
        }
        try await fixture.restartAfterKill()
        for index in 20..<40 {
            let hold = try await client.hold("s", customer: "a\(index)", items: [.seat(seats[index % 12])])
            _ = try await client.release("s", hold: hold.id)
        }
        while seen.count < 80, let event = try await watcher.next() { seen.append(event) }
        var replay = client.watch("s", from: 1).makeAsyncIterator()
        var all: [Event] = []
        while all.count < 80, let event = try await replay.next() { all.append(event) }
        #expect(seen.count == 80)
        #expect(seen == all)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.seq < $1.seq })
        #expect(seen.filter { $0.type == "held" }.map(\.customer) == (0..<40).map { "a\($0)" })
    }
}
