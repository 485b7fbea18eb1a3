import Foundation
import NATS
import SeatdTestSupport
import Testing

@testable import Server

/// Goal: a cluster of three shards routes every request without a proxy: `CLUSTER SLOTS` names each range's
/// primary, a request for a session of another shard gets `ERR MOVED` to that shard's primary (and `ERR TRYAGAIN`
/// while it has none), a standby refers requests without a session to its own primary, and the halls are the
/// cluster's: created once in etcd's catalog, usable by a session of any shard, `ERR EXISTS` for another
/// definition under the same name. Method: the built `seatd` binary as three primaries and one standby against a
/// real etcd, over the line protocol.
@Suite(.enabled(if: EtcdServer.path != nil, "etcd is missing (apt-get install etcd-server); skipped"))
struct ShardProcessTests {
    typealias Node = ClusterProcessTests.Node

    /// A session id of each shard (slots 0-340, 341-681 and 682-1023 of three).
    static func sessions() -> [String] {
        let ranges = ClusterLayout.evenRanges(["s1", "s2", "s3"])
        return ranges.map { range in
            (0...).lazy.map { "show\($0)" }.first { (range.first...range.last).contains(ClusterState.slot(of: $0)) }!
        }
    }

    /// Waits (up to 30 s) for CLUSTER SLOTS on `node` to be `expected`.
    func waitForSlots(_ node: Node, _ expected: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await node.send(["CLUSTER SLOTS"])[0]
            if last == expected { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("CLUSTER SLOTS on \(node.name): \(last), not \(expected)")
        throw CancellationError()
    }

    /// Sends `lines` to `node` and expects `expected`.
    func expect(
        _ node: Node, _ lines: [String], _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let replies = try await node.send(lines)
        #expect(replies == expected, "\(node.name): \(lines) -> \(replies)", sourceLocation: sourceLocation)
    }

    @Test func requestsGoToTheirShardsPrimaryAndHallsAreTheClusters() async throws {
        try await EtcdServer.with { server, _ in
            let root = TemporaryDirectory.path("shards")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let created = try OperatorTests.seatd([
                "cluster", "init", "--etcd", server.url, "--name", "t", "--shards", "s1,s2,s3",
            ])
            #expect(created.0 == 0 && created.1.contains("slots 0-340=s1 341-681=s2 682-1023=s3"), "\(created.1)")
            var primaries: [Node] = []
            for shard in ["s1", "s2", "s3"] {
                let node = try await Node("p-\(shard)", root: root, etcd: server.url, cluster: "t", shard: shard)
                _ = try await node.waitFor(role: "primary")
                primaries.append(node)
            }
            let standby = try await Node("b-s1", root: root, etcd: server.url, cluster: "t", shard: "s1")
            _ = try await standby.waitFor(role: "standby", replication: "sync")
            let (p1, p2, p3) = (primaries[0], primaries[1], primaries[2])
            let slots =
                "OK 0-340=s1@127.0.0.1:\(p1.port) 341-681=s2@127.0.0.1:\(p2.port) 682-1023=s3@127.0.0.1:\(p3.port)"
            for node in primaries + [standby] { try await self.waitForSlots(node, slots) }

            // One catalog: created on one primary, the same definition elsewhere is fine, another one is not.
            try await self.expect(p2, ["CREATE HALL h A=10 ga:pit=5"], ["OK h 15"])
            try await self.expect(
                p3, ["CREATE HALL h A=10 ga:pit=5", "CREATE HALL h A=11"],
                [
                    "OK h 15", "ERR EXISTS hall h exists",
                ])
            try await self.expect(p1, ["HALLS", "HALL h"], ["OK h", "OK A=10 ga:pit=5"])

            // Each session on its own shard's primary; another shard refers it there.
            let sessions = Self.sessions()
            for (index, session) in sessions.enumerated() {
                let owner = primaries[index]
                let other = primaries[(index + 1) % 3]
                let slot = ClusterState.slot(of: session)
                try await self.expect(
                    other, ["CREATE SESSION \(session) h", "HOLD \(session) c1 A1"],
                    Array(repeating: "ERR MOVED \(slot) 127.0.0.1:\(owner.port)", count: 2))
                // The hall comes from the catalog even before the owner's watch brings it.
                try await self.expect(owner, ["CREATE SESSION \(session) h"], ["OK \(session) 15"])
                let held = try await owner.send(["HOLD \(session) c1 A1 key=k1"])[0]
                #expect(held.hasPrefix("OK "), "\(held)")
                try await self.expect(owner, ["SESSIONS", "SESSIONS h"], ["OK \(session)", "OK \(session)"])
                // The standby of s1 refers each session to its shard's primary.
                try await self.expect(standby, ["AVAIL \(session)"], ["ERR MOVED \(slot) 127.0.0.1:\(owner.port)"])
            }
            // A request without a session goes to the standby's own primary, naming its shard's first slot.
            try await self.expect(standby, ["HALLS", "PING"], ["ERR MOVED 0 127.0.0.1:\(p1.port)", "OK PONG"])

            // A shard without a primary: its sessions wait (TRYAGAIN), the others go on.
            p2.process.kill(SIGKILL)
            try await self.waitForSlots(
                p1, "OK 0-340=s1@127.0.0.1:\(p1.port) 341-681=s2@- 682-1023=s3@127.0.0.1:\(p3.port)")
            try await self.expect(p1, ["AVAIL \(sessions[1])"], ["ERR TRYAGAIN 100"])
            try await self.expect(p3, ["AVAIL \(sessions[2])"], ["OK free=14 held=1 sold=0"])
            #expect(try await p1.send(["CLUSTER INFO"])[0].contains("shard=s1 role=primary"))
        }
    }
}

/// Goal: each shard publishes its own events to NATS JetStream under `seatd.<type>.<session>`, with message ids of
/// its own (`<shard>-<seq>`), so one consumer of `seatd.confirmed.>` sees every shard's bookings. Method: two
/// shards' primaries (real processes, real etcd) publishing to one real nats-server; the stream read back.
@Suite(
    .enabled(
        if: EtcdServer.path != nil && NATSServer.path != nil,
        "etcd or nats-server is missing (apt-get install etcd-server nats-server); skipped"))
struct ShardEventsProcessTests {
    @Test func everyShardsBookingsReachOneStreamUnderTheirOwnIds() async throws {
        try await EtcdServer.with { server, _ in
            let root = TemporaryDirectory.path("shard-events")
            defer { try? FileManager.default.removeItem(atPath: root) }
            var nats = try await NATSServer()
            defer { nats.stop() }
            let created = try OperatorTests.seatd([
                "cluster", "init", "--etcd", server.url, "--name", "t", "--shards", "s1,s2",
            ])
            #expect(created.0 == 0, "\(created.1)")
            let environment = ["SEATD_EVENTS_NATS": "nats://127.0.0.1:\(nats.port)"]
            var primaries: [ClusterProcessTests.Node] = []
            for shard in ["s1", "s2"] {
                let node = try await ClusterProcessTests.Node(
                    "p-\(shard)", root: root, etcd: server.url, cluster: "t", shard: shard, environment: environment)
                _ = try await node.waitFor(role: "primary")
                primaries.append(node)
            }
            // A session of each shard (slots 0-511 and 512-1023), a booking in each.
            let ranges = ClusterLayout.evenRanges(["s1", "s2"])
            let sessions = ranges.map { range in
                (0...).lazy.map { "gala\($0)" }.first {
                    (range.first...range.last).contains(ClusterState.slot(of: $0))
                }!
            }
            #expect(try await primaries[0].send(["CREATE HALL h A=10"]) == ["OK h 10"])
            for (node, session) in zip(primaries, sessions) {
                let held = try await node.send(["CREATE SESSION \(session) h", "HOLD \(session) c1 A1 A2"])
                #expect(held[0] == "OK \(session) 10" && held[1].hasPrefix("OK "), "\(held)")
                let hold = String(held[1].split(separator: " ")[1])
                #expect(try await node.send(["CONFIRM \(session) \(hold)"])[0].hasPrefix("OK "))
            }

            let connection = try await NATSConnection.connect(host: "127.0.0.1", port: nats.port, name: "check")
            defer { connection.close() }
            // Each shard published hold and confirm: four messages.
            var count = 0
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                count = (try? await NATSProcessTests.messageCount(connection)) ?? 0
                if count >= 4 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(count == 4)
            var confirmed: [String: String] = [:]
            for seq in 1...max(count, 1) {
                let message = try await NATSProcessTests.message(connection, seq: seq)
                guard message.subject.hasPrefix("seatd.confirmed.") else { continue }
                confirmed[String(message.subject.dropFirst("seatd.confirmed.".count))] = message.headers
            }
            #expect(confirmed.keys.sorted() == sessions.sorted(), "\(confirmed)")
            for (shard, session) in zip(["s1", "s2"], sessions) {
                #expect(confirmed[session]?.hasPrefix("NATS/1.0\r\nNats-Msg-Id: \(shard)-") == true, "\(confirmed)")
            }
        }
    }
}
