import Foundation
import NIOCore
import Testing

@testable import Server

/// Goal: the real `seatd` binary keeps every acknowledged change across `kill -9` and SIGTERM: confirmed seats stay
/// sold, holds keep their absolute expiry (an idempotency key returns the first reply byte for byte), a hold that
/// lapsed while the server was down answers EXPIRED, and SIGTERM exits 0. Method: start the built binary on a temp
/// data directory and port 0, talk to it over TCP, kill it, start it again.
struct ProcessTests {
    final class Seatd {
        let process = Process()
        let port: Int

        struct Failure: Error, CustomStringConvertible {
            let output: String
            var description: String { "seatd did not report its port; it printed:\n\(self.output)" }
        }

        init(data: String) throws {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("seatd")
            self.process.executableURL = binary
            self.process.arguments = ["--data", data, "--port", "0"]
            let output = Pipe()
            self.process.standardOutput = output
            try self.process.run()
            // The log line "... host=127.0.0.1 port=<n> [Server] listening" gives the port bound.
            var text = ""
            let handle = output.fileHandleForReading
            while !text.contains("listening") || !text.hasSuffix("\n") {
                let chunk = handle.availableData
                guard !chunk.isEmpty else { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            let line = text.split(separator: "\n").first { $0.hasSuffix(" listening") } ?? ""
            guard let range = line.range(of: #"port=\d+"#, options: .regularExpression),
                let port = Int(line[range].dropFirst(5))
            else { throw Failure(output: text) }
            self.port = port
            // Keep draining the output so the server never blocks on a full pipe.
            handle.readabilityHandler = { _ = $0.availableData }
        }

        func kill(_ signal: Int32) -> Int32 {
            Foundation.kill(self.process.processIdentifier, signal)
            self.process.waitUntilExit()
            return self.process.terminationStatus
        }
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
        var server = try Seatd(data: data)
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

        server = try Seatd(data: data)
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

        server = try Seatd(data: data)
        #expect(try await self.exchange(server.port, ["MAP s"])[0] == after)
        #expect(server.kill(SIGTERM) == 0)
    }
}
