import Foundation
import NIOCore
import NIOPosix
import SeatActors
import SeatdTestSupport

/// The failover run itself, shared by `seat-load failover` and the test suite: etcd, two nodes, the clients, the
/// trials (FailoverRun+Trial.swift) and the checks at the end (FailoverRun+Check.swift).
final class FailoverRun: @unchecked Sendable {
    struct Settings: Sendable {
        var trials = 20
        var etcdMembers = 3
        var seatd = SeatdProcess.defaultBinary
        var leaseTTLSeconds = 3
        var clients = 8
        var seed: UInt64 = 1
        /// Taken in turn, one per trial.
        var faults: [FailoverFault] = [.kill, .stop]
        var history: String?
        var replyTimeoutMs = 1_000
        /// Load before each fault: a random time up to this long (and at least `runMsMin`).
        var runMsMin = 200
        var runMsMax = 1_000
        /// A trial whose new primary acknowledges no change this long after the fault failed.
        var failoverMsMax = 30_000
        /// How long the old primary may take to be an in-sync standby again.
        var rejoinMsMax = 60_000
        /// How long a client goes on sending one request before it gives up (the run then fails).
        var clientGiveUpMs = 60_000
    }

    /// The sessions: the crash loop's hall (rows, blocked and reserved seats, the GA area `pit`).
    static let sessions = ["s0", "s1", "s2", "s3"]

    let settings: Settings
    let progress: @Sendable (String) -> Void
    var report: FailoverReport
    var nodes: [FailoverNode] = []
    let acknowledgements = AcknowledgementLog()
    /// When each replaced primary was fenced, for the acknowledgements it must not have sent.
    var windows: [FencedWindow] = []
    var random: SplitMix64
    var history: [SeatChecker.Operation] = []

    init(_ settings: Settings, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.progress = progress
        self.random = SplitMix64(seed: settings.seed)
        self.report = FailoverReport(seed: settings.seed)
        self.report.etcdMembers = settings.etcdMembers
        self.report.leaseTTLSeconds = settings.leaseTTLSeconds
        self.report.clients = settings.clients
    }

    var cluster: ClusterSettings {
        ClusterSettings(
            addresses: self.nodes.map(\.address), replyTimeoutMs: self.settings.replyTimeoutMs,
            unreachableMsMax: self.settings.clientGiveUpMs)
    }

    func run() async throws -> FailoverReport {
        let data = TemporaryDirectory.path("failover")
        self.report.data = data
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var etcd: EtcdCluster? = nil
        do {
            etcd = try await EtcdCluster.start(members: self.settings.etcdMembers, group: group)
            try await self.run(etcd: etcd!, data: data, group: group)
        } catch {
            await self.end(etcd, group: group)
            throw error
        }
        await self.end(etcd, group: group)
        if let path = self.settings.history { CrashLoop.write(self.history, to: path) }
        if self.report.passed {
            try? FileManager.default.removeItem(atPath: data)
        } else {
            CrashLoop.write(self.history, to: data + "/history.txt")
            for node in self.nodes {
                try? node.printed.write(toFile: data + "/\(node.name).log", atomically: true, encoding: .utf8)
            }
        }
        return self.report
    }

    private func end(_ etcd: EtcdCluster?, group: MultiThreadedEventLoopGroup) async {
        for node in self.nodes { node.end() }
        etcd?.stop()
        try? await group.shutdownGracefully()
    }

    private func run(etcd: EtcdCluster, data: String, group: any EventLoopGroup) async throws {
        try Self.initCluster(binary: self.settings.seatd, etcd: etcd.urls)
        let secret = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        for name in ["a", "b"] {
            self.nodes.append(try await self.startNode(name, data: data, etcd: etcd, secret: secret, group: group))
        }
        guard var roles = await self.settled(group: group, withinMs: self.settings.rejoinMsMax) else {
            self.report.failures.append("the nodes did not settle as an in-sync primary and standby")
            return
        }
        self.progress("primary \(roles.primary.name), standby \(roles.standby.name) in sync")
        try await self.createHall(group: group)
        let stop = StopSignal()
        let clients = (0..<self.settings.clients).map {
            FailoverClient(
                id: $0, seed: self.settings.seed &+ UInt64($0) &* 7_919, sessions: Self.sessions,
                cluster: self.cluster, group: group)
        }
        await withTaskGroup(of: String?.self) { tasks in
            for client in clients {
                tasks.addTask { await client.run(until: stop, acknowledgements: self.acknowledgements) }
            }
            for number in 1...self.settings.trials {
                let fault = self.settings.faults[(number - 1) % self.settings.faults.count]
                guard let next = await self.trial(number, fault, roles, group: group) else { break }
                roles = next
            }
            stop.stop()
            for await failure in tasks { if let failure { self.report.failures.append(failure) } }
        }
        for client in clients {
            self.history += client.requests.history
            self.report.counts.merge(client.counts)
        }
        await self.check(clients, group: group)
    }

    /// A new node on free ports. A port is only free when it was looked at: a node that exits while starting (another
    /// process took its port) is started again on others, at most 3 times.
    private func startNode(
        _ name: String, data: String, etcd: EtcdCluster, secret: String, group: any EventLoopGroup
    ) async throws -> FailoverNode {
        var attempt = 0
        while true {
            let node = try FailoverNode(
                name: name, binary: self.settings.seatd, data: data + "/\(name)-\(attempt)", etcd: etcd.urls,
                leaseTTLSeconds: self.settings.leaseTTLSeconds, secret: secret)
            do {
                try await node.start(group: group)
                return node
            } catch {
                node.end()
                attempt += 1
                if attempt == 3 { throw error }
            }
        }
    }

    /// `seatd cluster init`: the cluster's layout in etcd, one shard.
    static func initCluster(binary: String, etcd: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "cluster", "init", "--etcd", etcd.joined(separator: ","), "--name", FailoverNode.clusterName,
            "--shards", FailoverNode.shard,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LoadError("seatd cluster init: \(printed)") }
    }

    /// The crash loop's hall and sessions, created on the primary.
    private func createHall(group: any EventLoopGroup) async throws {
        let admin = ClusterClient(self.cluster, group: group)
        var requests = [
            "CREATE HALL h " + CrashLoop.rows.map { "\($0.label)=\($0.count)" }.joined(separator: " ")
                + " ga:pit=\(CrashLoop.places)"
        ]
        for session in Self.sessions {
            requests.append("CREATE SESSION \(session) h ttl=\(CrashLoop.ttl)")
            requests.append("BLOCK \(session) " + CrashLoop.blocked.joined(separator: " "))
            requests.append("RESERVE \(session) box " + CrashLoop.reserved.joined(separator: " "))
        }
        do {
            for request in requests {
                let reply = try await admin.request(request).reply
                guard reply.hasPrefix("OK") else { throw LoadError("\(request): \(reply)") }
            }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}
