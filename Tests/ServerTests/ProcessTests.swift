import Foundation
import NIOCore
import Testing

@testable import Server
@testable import SeatLoad

/// Goal: the real `seatd` binary keeps every acknowledged change across `kill -9` and SIGTERM: confirmed seats stay
/// sold, holds keep their absolute expiry (an idempotency key returns the first reply byte for byte), a hold that
/// lapsed while the server was down answers EXPIRED, and SIGTERM exits 0. Method: start the built binary on a temp
/// data directory and port 0, talk to it over TCP, kill it, start it again.
struct ProcessTests {
    /// The built binary on `data` and port 0 (`SeatdProcess` of seat-load: the same launcher the fault runs use).
    final class Seatd {
        let server: SeatdProcess
        let port: Int

        init(data: String) async throws {
            self.server = try SeatdProcess(binary: SeatdProcess.defaultBinary, data: data)
            self.port = try await self.server.port()
        }

        func kill(_ signal: Int32) -> Int32 { self.server.kill(signal) }
    }

    func exchange(_ port: Int, _ requests: [String]) async throws -> [String] {
        var replies: [String] = []
        try await EndToEndTests().withClient(port) { lines, out in
            try await EndToEndTests.send(out, requests.map { $0 + "\n" }.joined())
            for _ in requests { replies.append(try await EndToEndTests.line(&lines) ?? "(closed)") }
        }
        return replies
    }

    @Test func acknowledgedChangesSurviveKillAndTerm() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("seatd-proc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        var server = try await Seatd(data: data)
        _ = try await self.exchange(server.port, ["CREATE HALL h A=10 B=10", "CREATE SESSION s h"])
        var holds: [String] = []
        var keyed: [String] = []
        for index in 0..<8 {
            let reply = try await self.exchange(server.port, ["HOLD s c\(index) ANY 2 key=k\(index)"])[0]
            keyed.append(reply)
            holds.append(String(reply.split(separator: " ")[1]))
        }
        let confirms = try await self.exchange(server.port, holds.prefix(4).map { "CONFIRM s \($0)" })
        #expect(confirms.allSatisfy { $0.hasPrefix("OK ") })
        // A10 is free here; the 1 s hold below may lapse before the restart ends (a slow machine), so after the
        // restart A10 may be held or free, and every other seat must be as it was.
        let map = try await self.exchange(server.port, ["MAP s"])[0]
        let rows = map.split(separator: " ")
        #expect(rows.count == 3 && rows[1].hasPrefix("A:") && rows[1].hasSuffix("."))
        let mapWithLate = "\(rows[0]) \(rows[1].dropLast())h \(rows[2])"
        let short = try await self.exchange(server.port, ["HOLD s late A10 ttl=1"])[0]
        #expect(server.kill(SIGKILL) == SIGKILL)

        server = try await Seatd(data: data)
        let restarted = try await self.exchange(server.port, ["MAP s"])[0]
        #expect([map, mapWithLate].contains(restarted))
        for index in 0..<8 {
            #expect(try await self.exchange(server.port, ["HOLD s other ANY 1 key=k\(index)"])[0] == keyed[index])
        }
        for hold in holds.prefix(4) {
            #expect(try await self.exchange(server.port, ["CONFIRM s \(hold)"])[0].hasPrefix("OK \(hold)"))
        }
        // Wait until the short hold's absolute expiry (from its reply) has passed.
        let expires = Double(short.split(separator: " ")[2])! / 1_000
        let wait = max(0, expires - Date().timeIntervalSince1970) + 0.2
        try await Task.sleep(for: .seconds(wait))
        let lateHold = short.split(separator: " ")[1]
        #expect(try await self.exchange(server.port, ["CONFIRM s \(lateHold)"])[0] == "ERR EXPIRED hold \(lateHold) expired")
        let after = try await self.exchange(server.port, ["MAP s"])[0]
        #expect(after == map)
        #expect(server.kill(SIGTERM) == 0)

        server = try await Seatd(data: data)
        #expect(try await self.exchange(server.port, ["MAP s"])[0] == after)
        #expect(server.kill(SIGTERM) == 0)
    }
}
