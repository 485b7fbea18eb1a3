import Foundation
import NIOCore
import SeatdTestSupport
import Store
import Testing
import WAL

@testable import Server

/// Goal: a shard's primary and standby, as real processes against a real etcd, keep every acknowledged change
/// through a crash of the primary (the standby takes over from its hot state), a paused primary never acknowledges
/// after its successor took over, a node that comes back rejoins as standby and catches up, and `CLUSTER FAILOVER`
/// hands the shard over. Method: the built `seatd` binary twice on loopback (fixed ports: a node advertises its
/// address), SIGKILL, SIGSTOP and SIGCONT, and the line protocol (`CLUSTER INFO`, `ERR MOVED`, `ERR TRYAGAIN`).
@Suite(.enabled(if: EtcdServer.path != nil, "etcd is missing (apt-get install etcd-server); skipped"))
struct ClusterProcessTests {
    /// One node of shard `shard` (s0 by default) of cluster `cluster`.
    final class Node: @unchecked Sendable {
        let name: String
        let shard: String
        let data: String
        let port: Int
        let replicationPort: Int
        let etcd: String
        let cluster: String
        let environment: [String: String]
        var process: SeatdProcess

        init(
            _ name: String, root: String, etcd: String, cluster: String, shard: String = "s0",
            environment: [String: String] = [:]
        ) async throws {
            self.name = name
            self.shard = shard
            self.environment = environment
            self.data = root + "/" + name
            self.port = try LoopbackPort.free()
            self.replicationPort = try LoopbackPort.free()
            self.etcd = etcd
            self.cluster = cluster
            self.process = try Self.start(
                name: name, data: self.data, port: self.port, replicationPort: self.replicationPort, etcd: etcd,
                cluster: cluster, shard: shard, environment: environment)
            _ = try await self.process.port()
        }

        static func start(
            name: String, data: String, port: Int, replicationPort: Int, etcd: String, cluster: String, shard: String,
            environment: [String: String]
        ) throws -> SeatdProcess {
            try SeatdProcess(
                binary: SeatdProcess.defaultBinary, data: data, environment: environment,
                arguments: [
                    "--port", "\(port)", "--cluster-etcd", etcd, "--cluster-name", cluster, "--cluster-node", name,
                    "--cluster-shard", shard, "--cluster-advertise", "127.0.0.1:\(port)",
                    "--cluster-replication-listen", "127.0.0.1:\(replicationPort)", "--cluster-secret",
                    "a-test-secret-of-32-characters!!",
                ])
        }

        func restart() async throws {
            self.process = try Self.start(
                name: self.name, data: self.data, port: self.port, replicationPort: self.replicationPort,
                etcd: self.etcd, cluster: self.cluster, shard: self.shard, environment: self.environment)
            _ = try await self.process.port()
        }

        func send(_ lines: [String]) async throws -> [String] { try await ProcessTests().exchange(self.port, lines) }

        func info() async -> [String: String] {
            guard let line = try? await self.send(["CLUSTER INFO"]).first, line.hasPrefix("OK ") else { return [:] }
            return Dictionary(
                line.split(separator: " ").dropFirst().compactMap {
                    let parts = $0.split(separator: "=", maxSplits: 1)
                    return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                }, uniquingKeysWith: { $1 })
        }

        /// Waits (up to 30 s) until CLUSTER INFO shows `role` (and, when given, `replication`).
        func waitFor(role: String, replication: String? = nil) async throws -> [String: String] {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let info = await self.info()
                if info["role"] == role, replication == nil || info["replication"] == replication { return info }
                try await Task.sleep(for: .milliseconds(50))
            }
            let last = await self.info()
            Issue.record("\(self.name) did not become \(role) \(replication ?? ""): \(last)\n\(self.process.printed)")
            throw CancellationError()
        }

        deinit {
            self.process.signal(SIGCONT)
            self.process.kill(SIGKILL)
        }
    }

    /// A cluster of one shard with nodes a (the first primary) and b (its standby, in sync).
    func withShard(_ body: (Node, Node) async throws -> Void) async throws {
        try await EtcdServer.with { server, _ in
            let root = TemporaryDirectory.path("cluster")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let created = try OperatorTests.seatd([
                "cluster", "init", "--etcd", server.url, "--name", "t", "--shards", "s0",
            ])
            #expect(created.0 == 0, "\(created.1)")
            let a = try await Node("a", root: root, etcd: server.url, cluster: "t")
            _ = try await a.waitFor(role: "primary")
            let b = try await Node("b", root: root, etcd: server.url, cluster: "t")
            _ = try await b.waitFor(role: "standby", replication: "sync")
            try await body(a, b)
        }
    }

    @Test func theStandbyTakesOverWithEveryAcknowledgedChangeAndTheOldPrimaryRejoins() async throws {
        try await self.withShard { a, b in
            let made = try await a.send(["CREATE HALL h A=10 B=10", "CREATE SESSION s h"])
            #expect(made == ["OK h 20", "OK s 20"])
            var held: [String] = []
            for customer in 1...6 {
                let reply = try await a.send(["HOLD s c\(customer) BEST 2 key=k\(customer)"])[0]
                #expect(reply.hasPrefix("OK "), "\(reply)")
                held.append(reply)
            }
            // The standby refers clients to the primary.
            let moved = try await b.send(["HOLD s c9 BEST 1", "PING"])
            #expect(moved[0].hasPrefix("ERR MOVED ") && moved[0].hasSuffix(" 127.0.0.1:\(a.port)"), "\(moved)")
            #expect(moved[1] == "OK PONG")
            let before = await a.info()
            #expect(before["standby_lsn"] == before["lsn"], "\(before)")

            let killedAt = ContinuousClock.now
            a.process.kill(SIGKILL)
            let promoted = try await b.waitFor(role: "primary")
            #expect(Int(promoted["epoch"] ?? "0")! > Int(before["epoch"] ?? "0")!, "\(promoted)")
            #expect(killedAt.duration(to: .now) < .seconds(15))
            // Every acknowledged hold is there; a repeated key answers with its first reply.
            for customer in 1...6 {
                let list = try await b.send(["LIST s c\(customer)"])[0]
                let hold = held[customer - 1].split(separator: " ")[1]
                #expect(list.hasPrefix("OK \(hold):held:"), "\(list)")
                let again = try await b.send(["HOLD s c\(customer) BEST 2 key=k\(customer)"])[0]
                #expect(again == held[customer - 1])
            }
            let after = try await b.send(["HOLD s c7 BEST 2"])[0]
            #expect(after.hasPrefix("OK "), "\(after)")

            // The old primary comes back as the standby and catches up.
            try await a.restart()
            let rejoined = try await a.waitFor(role: "standby", replication: "sync")
            #expect(rejoined["epoch"] == promoted["epoch"])
            let current = await b.info()
            #expect(rejoined["lsn"] == current["lsn"], "\(rejoined) \(current)")

            // A planned switchover back to a.
            let switched = try await a.send(["CLUSTER FAILOVER"])[0]
            #expect(switched.hasPrefix("OK "), "\(switched)")
            let epoch = Int(switched.dropFirst(3)) ?? 0
            #expect(epoch > Int(promoted["epoch"]!)!)
            let served = try await a.send(["HOLD s c8 BEST 1", "LIST s c7"])
            #expect(served[0].hasPrefix("OK "), "\(served)")
            #expect(served[1].hasPrefix("OK " + after.split(separator: " ")[1]), "\(served)")
            _ = try await b.waitFor(role: "standby", replication: "sync")
            let referred = try await b.send(["LIST s c8"])[0]
            #expect(referred.hasSuffix(" 127.0.0.1:\(a.port)"), "\(referred)")
        }
    }

    @Test func aPausedPrimaryNeverAcknowledgesAfterItsSuccessorServes() async throws {
        try await self.withShard { a, b in
            #expect(try await a.send(["CREATE HALL h A=10", "CREATE SESSION s h"]) == ["OK h 10", "OK s 10"])
            a.process.signal(SIGSTOP)
            _ = try await b.waitFor(role: "primary")
            let taken = try await b.send(["HOLD s c1 BEST 10"])[0]
            #expect(taken.hasPrefix("OK "), "\(taken)")
            a.process.signal(SIGCONT)
            // Whatever the old primary answers now, it is not an acknowledgement.
            for _ in 0..<5 {
                let reply = try await a.send(["HOLD s c2 BEST 1"])[0]
                #expect(reply.hasPrefix("ERR TRYAGAIN ") || reply.hasPrefix("ERR MOVED "), "\(reply)")
            }
            _ = try await a.waitFor(role: "standby", replication: "sync")
            let after = try await a.send(["HOLD s c2 BEST 1"])[0]
            #expect(after.hasPrefix("ERR MOVED ") && after.hasSuffix(" 127.0.0.1:\(b.port)"), "\(after)")
            #expect(try await b.send(["AVAIL s"])[0] == "OK free=0 held=10 sold=0")
        }
    }
}

/// Goal: the cluster settings are checked as one (each required one named, the secret never echoed), the CLUSTER
/// commands parse, a single node answers them with BAD_REQUEST and never sends MOVED or TRYAGAIN, and a slot is
/// `crc32c(session) mod 1024`. Method: `SeatdConfig.load` with an environment, the parser, a dispatcher.
struct ClusterSettingsTests {
    func load(_ environment: [String: String]) async throws -> SeatdConfig {
        try await SeatdConfig.load(file: nil, environment: environment)
    }

    @Test func clusterSettingsAreCheckedAsOne() async throws {
        #expect(try await self.load([:]).cluster == nil)
        let base = [
            "SEATD_CLUSTER_ETCD": "http://127.0.0.1:2379,http://127.0.0.1:2380", "SEATD_CLUSTER_NODE": "n1",
            "SEATD_CLUSTER_SHARD": "s0", "SEATD_CLUSTER_REPLICATION_LISTEN": "127.0.0.1:7071",
            "SEATD_CLUSTER_SECRET": "sixteen-chars-ok",
        ]
        let cluster = try #require(try await self.load(base).cluster)
        #expect(cluster.etcd.count == 2 && cluster.name == "seatd" && cluster.advertise == "127.0.0.1:7070")
        #expect(cluster.leaseTTLSeconds == 3 && cluster.replication == .sync)
        for (key, value, says) in [
            ("SEATD_CLUSTER_NODE", "", "SEATD_CLUSTER_NODE) is required"),
            ("SEATD_CLUSTER_SHARD", "a/b", "SEATD_CLUSTER_SHARD) must be"),
            ("SEATD_CLUSTER_REPLICATION_LISTEN", "nowhere", "expected <host>:<port>"),
            ("SEATD_CLUSTER_LEASE_TTL_S", "1", "2...60"),
            ("SEATD_CLUSTER_REPLICATION", "semi", "expected sync or async"),
            ("SEATD_CLUSTER_SECRET", "short-secret", "16 or more characters"),
            ("SEATD_CLUSTER_ETCD", "127.0.0.1:2379", "expected http://"),
        ] {
            var environment = base
            environment[key] = value
            do {
                _ = try await self.load(environment)
                Issue.record("\(key)=\(value) was accepted")
            } catch let error as SeatdConfig.Invalid {
                #expect(error.description.contains(says), "\(error)")
                #expect(!error.description.contains("short-secret"))
            }
        }
    }

    @Test func theClusterCommandsParseAndASingleNodeRefusesThem() async throws {
        #expect(Request.parse("CLUSTER INFO") == .success(.clusterInfo))
        #expect(Request.parse("cluster failover") == .success(.clusterFailover))
        #expect(Request.parse("CLUSTER NODES").map { (try? $0.get()) == nil } == true)
        #expect(Request.clusterFailover.roleRequired == .admin && Request.clusterInfo.roleRequired == .reader)
        let client = DispatcherTests.Client(try DispatcherTests().make())
        for request in ["CLUSTER INFO", "CLUSTER SLOTS", "CLUSTER FAILOVER"] {
            #expect(await client.send(request) == "ERR BAD_REQUEST not a cluster node (cluster.etcd is not set)")
        }
        #expect(await client.send("CREATE HALL h A=2") == "OK h 2")
        #expect(ClusterState.slot(of: "s") == Int(CRC32C.checksum(Array("s".utf8)) % 1_024))
    }

    @Test func everyFrameWritesAsItEncodesAndReadsBack() throws {
        let batch = LogBatch(firstLSN: 7, atMs: 1_700, payload: Array(0..<200), recordEnds: [3, 90, 200])
        let hello = ReplicationFrame.Hello(
            cluster: "c", shard: "s0", node: "b", epoch: 4, lsn: 6, proof: Array(repeating: 9, count: 32))
        let frames: [ReplicationFrame] = [
            .challenge(nonce: Array(repeating: 1, count: 32)), .hello(hello), .batch(epoch: 4, batch),
            .ack(epoch: 4, lsn: 9), .refused("no"), .snapshot(epoch: 4, lsn: 6, version: 4, payload: [1, 2, 3]),
            .handover(epoch: 4),
        ]
        for frame in frames {
            let written = Array(frame.buffer.readableBytesView)
            #expect(written == frame.encode(), "\(frame)")
            let read = try ReplicationFrame.decode(written[...], bodyBytesMax: ReplicationFrame.snapshotBodyBytesMax)
            #expect(read?.frame == frame && read?.bytes == written.count)
        }
    }
}
