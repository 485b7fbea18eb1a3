import Foundation
import NIOCore
import SeatActors
import SeatdTestSupport
import Synchronization
import Testing

@testable import Server

/// Goal: events other services can build on (protocol 1.1). A watcher that disconnects at random and resumes with
/// `WATCH * from=<last seq + 1>` sees every event exactly once and in seq order, also across a `kill -9` of the
/// server while it reads; the events equal what a single `WATCH * from=1` gives afterwards; `HISTORY` of a hold
/// and of a seat answer exactly the events of the stream that touched them; a `from` older than the retention
/// answers `ERR TRIMMED <oldest retained seq>`, the same after a restart. Method: the real binary on a temp data
/// directory (`ProcessTests`' launcher), a writer and a watcher running at once over TCP, a sentinel BLOCK in a
/// session of its own as the last change so the readers know where the stream ends.
struct EventsProcessTests {
    /// An event line's parts.
    struct Event: Equatable {
        let line: String
        var fields: [Substring] { self.line.split(separator: " ") }
        var seq: LSN { LSN(self.fields[1])! }
        var kind: String { String(self.fields[2]) }
        var session: String { String(self.fields[3]) }
        var hold: String { String(self.fields[4]) }
        var customer: String { String(self.fields[5]) }
        var items: [String] { self.fields.dropFirst(6).map(String.init) }
        var isSentinel: Bool { self.session == "end" && self.kind == "blocked" }
    }

    final class Shared: Sendable {
        let port: Mutex<Int>
        let received = Mutex<[Event]>([])
        let reconnects = Mutex(0)
        init(port: Int) { self.port = Mutex(port) }
    }

    /// Reads `WATCH * from=` sessions of random lengths until the sentinel; reconnects when the server is gone.
    static func watch(_ shared: Shared, seed: UInt64) async {
        var random = SplitMix64(seed: seed)
        while !(shared.received.withLock { $0.last?.isSentinel ?? false }) {
            let from = (shared.received.withLock { $0.last?.seq } ?? 0) + 1
            let wanted = 1 + random.below(40)
            do {
                try await EndToEndTests().withClient(shared.port.withLock { $0 }) { lines, out in
                    try await EndToEndTests.send(out, "WATCH * from=\(from)\n")
                    guard try await EndToEndTests.line(&lines) == "OK" else { return }
                    for _ in 0..<wanted {
                        guard let line = try await EndToEndTests.line(&lines), line.hasPrefix("EVENT ") else { return }
                        let event = Event(line: line)
                        shared.received.withLock { $0.append(event) }
                        if event.isSentinel { return }
                    }
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(50))
            }
            shared.reconnects.withLock { $0 += 1 }
        }
    }

    /// Every event from seq 1 through the sentinel, in one WATCH.
    static func everyEvent(_ port: Int) async throws -> [Event] {
        var events: [Event] = []
        try await EndToEndTests().withClient(port) { lines, out in
            try await EndToEndTests.send(out, "WATCH * from=1\n")
            #expect(try await EndToEndTests.line(&lines) == "OK")
            while let line = try await EndToEndTests.line(&lines) {
                let event = Event(line: line)
                events.append(event)
                if event.isSentinel { return }
            }
        }
        return events
    }

    /// A round of changes on two sessions, pipelined: holds, then confirms, releases and cancels of some of them.
    static func changes(_ port: Int, round: Int, random: inout SplitMix64) async throws {
        let tests = ProcessTests()
        var requests: [String] = []
        for index in 0..<12 {
            let session = index % 2 == 0 ? "s1" : "s2"
            requests.append("HOLD \(session) c\(random.below(5)) ANY \(1 + random.below(2))")
        }
        let replies = try await tests.exchange(port, requests)
        var follow: [String] = []
        for (request, reply) in zip(requests, replies) where reply.hasPrefix("OK ") {
            let session = request.split(separator: " ")[1]
            let hold = reply.split(separator: " ")[1]
            switch random.below(4) {
            case 0: follow.append("CONFIRM \(session) \(hold) ref=r\(round)")
            case 1: follow.append("RELEASE \(session) \(hold)")
            case 2: follow += ["CONFIRM \(session) \(hold)", "CANCEL \(session) \(hold)"]
            default: break
            }
        }
        if !follow.isEmpty { _ = try await tests.exchange(port, follow) }
    }

    @Test func aResumingWatcherSeesEveryEventOnceAcrossDisconnectsAndKillNine() async throws {
        let data = TemporaryDirectory.path("events")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let tests = ProcessTests()
        var server = try await ProcessTests.Seatd(data: data)
        _ = try await tests.exchange(
            server.port,
            ["CREATE HALL h A=20 B=20 C=20", "CREATE SESSION s1 h", "CREATE SESSION s2 h", "CREATE SESSION end h"])
        let shared = Shared(port: server.port)
        let watcher = Task { await Self.watch(shared, seed: 17) }
        var random = SplitMix64(seed: 23)
        for round in 0..<8 { try await Self.changes(server.port, round: round, random: &random) }
        #expect(server.kill(SIGKILL) == SIGKILL)
        server = try await ProcessTests.Seatd(data: data)
        shared.port.withLock { $0 = server.port }
        for round in 8..<16 { try await Self.changes(server.port, round: round, random: &random) }
        #expect(try await tests.exchange(server.port, ["BLOCK end A1"]) == ["OK end A1"])
        await watcher.value

        let received = shared.received.withLock { $0 }
        let all = try await Self.everyEvent(server.port)
        #expect(received == all, "the resumed stream differs from the whole history")
        #expect(zip(received, received.dropFirst()).allSatisfy { $0.seq < $1.seq }, "seqs not increasing")
        #expect(shared.reconnects.withLock { $0 } > 5, "the watcher should have resumed many times")
        #expect(all.count > 100 && Set(all.map(\.kind)).isSuperset(of: ["held", "confirmed", "released", "cancelled"]))

        // HISTORY of holds and seats: exactly the stream's events that touched them, oldest first.
        for hold in Set(all.filter { $0.session == "s1" && $0.hold != "-" }.map(\.hold)).sorted().prefix(12) {
            let expected = all.filter { $0.session == "s1" && $0.hold == hold }
                .map { "\($0.seq):\($0.kind):\($0.items.joined(separator: ","))" }
            let reply = try await tests.exchange(server.port, ["HISTORY s1 \(hold)"])[0]
            #expect(reply == (["OK"] + expected).joined(separator: " "), "HISTORY s1 \(hold)")
        }
        for seat in ["A1", "A10", "B10", "C20", "A20"] {
            let expected = all.filter { $0.session == "s1" && $0.items.contains(seat) }
                .map { "\($0.seq):\($0.kind):\($0.hold):\($0.customer)" }
            let reply = try await tests.exchange(server.port, ["HISTORY s1 seat=\(seat)"])[0]
            #expect(reply == (["OK"] + expected).joined(separator: " "), "HISTORY s1 seat=\(seat)")
        }
        #expect(server.kill(SIGTERM) == 0)
    }

    @Test func aFromOlderThanTheRetentionIsTrimmedAlsoAfterARestart() async throws {
        let data = TemporaryDirectory.path("trimmed")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let tests = ProcessTests()
        let environment = ["SEATD_EVENTS_RETAIN_PER_SESSION": "5", "SEATD_SNAPSHOT_EVERY_RECORDS": "7"]
        var server = try await ProcessTests.Seatd(data: data, environment: environment)
        _ = try await tests.exchange(server.port, ["CREATE HALL h A=20", "CREATE SESSION s h", "CREATE SESSION t h"])
        let holds = try await tests.exchange(server.port, (1...10).map { "HOLD s c A\($0)" } + ["HOLD t c A1"])
        #expect(holds.allSatisfy { $0.hasPrefix("OK ") })
        // s's events are LSNs 4..13 (one hold each); the five newest are retained, from LSN 9 on.
        for _ in 0..<2 {
            #expect(try await tests.exchange(server.port, ["WATCH s from=1"]) == ["ERR TRIMMED 9"])
            #expect(try await tests.exchange(server.port, ["WATCH s from=8"]) == ["ERR TRIMMED 9"])
            #expect(try await tests.exchange(server.port, ["WATCH * from=3"]) == ["ERR TRIMMED 9"])
            let resumed = try await tests.exchangeThenRead(server.port, "WATCH s from=9", count: 6)
            #expect(resumed.first == "OK")
            #expect(resumed.dropFirst().map { Event(line: $0).seq } == [9, 10, 11, 12, 13])
            #expect(try await tests.exchange(server.port, ["HISTORY s seat=A1"]) == ["OK"])  // trimmed
            #expect(server.kill(SIGKILL) == SIGKILL)
            server = try await ProcessTests.Seatd(data: data, environment: environment)
        }
        #expect(server.kill(SIGTERM) == 0)
    }
}

extension ProcessTests {
    /// Sends one request and reads `count` lines.
    func exchangeThenRead(_ port: Int, _ request: String, count: Int) async throws -> [String] {
        var replies: [String] = []
        try await EndToEndTests().withClient(port) { lines, out in
            try await EndToEndTests.send(out, request + "\n")
            for _ in 0..<count { replies.append(try await EndToEndTests.line(&lines) ?? "(closed)") }
        }
        return replies
    }
}
