import Foundation
import NIOCore
import NIOPosix
import SeatActors
import SeatdTestSupport

/// The failover run itself, shared by `seat-load failover` and the test suite: etcd, two nodes per shard
/// (FailoverRun+Start.swift), the clients of each shard, the trials (FailoverRun+Trial.swift) and the checks at the
/// end (FailoverRun+Check.swift).
final class FailoverRun: @unchecked Sendable {
    struct Settings: Sendable {
        /// Shards, each a primary and a standby; trial k faults shard (k - 1) mod shards.
        var shards = 1
        var trials = 20
        var etcdMembers = 3
        var seatd = SeatdProcess.defaultBinary
        var leaseTTLSeconds = 3
        /// Clients per shard.
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
        /// How long every node may take to name every shard's primary in `CLUSTER SLOTS`.
        var slotsMsMax = 10_000
    }

    let settings: Settings
    let progress: @Sendable (String) -> Void
    var report: FailoverReport
    /// The shards, their sessions (of the crash loop's hall: rows, blocked and reserved seats, the GA area `pit`)
    /// and their nodes.
    var shards: [FailoverShard]
    let acknowledgements = AcknowledgementLog()
    /// When each replaced primary was fenced, for the acknowledgements it must not have sent.
    var windows: [FencedWindow] = []
    var random: SplitMix64
    var history: [SeatChecker.Operation] = []

    init(_ settings: Settings, progress: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.settings = settings
        self.progress = progress
        self.shards = try FailoverShard.layout(count: settings.shards)
        self.random = SplitMix64(seed: settings.seed)
        self.report = FailoverReport(seed: settings.seed)
        self.report.shards = settings.shards
        self.report.etcdMembers = settings.etcdMembers
        self.report.leaseTTLSeconds = settings.leaseTTLSeconds
        self.report.clients = settings.clients
    }

    /// Every node of every shard.
    var nodes: [FailoverNode] { self.shards.flatMap(\.nodes) }

    /// Every session of every shard.
    var sessions: [String] { self.shards.flatMap(\.sessions) }

    /// How clients reach the cluster: every node listed, starting at the first.
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
        guard try await self.start(etcd: etcd, data: data, group: group) else { return }
        try await self.createHall(group: group)
        let stop = StopSignal()
        let clients = self.shards.indices.flatMap { shard in
            (0..<self.settings.clients).map { number in
                let id = shard * self.settings.clients + number
                return FailoverClient(
                    id: id, seed: self.settings.seed &+ UInt64(id) &* 7_919, sessions: self.shards[shard].sessions,
                    cluster: self.cluster.starting(at: self.shards[shard].roles?.primary.address), group: group)
            }
        }
        await withTaskGroup(of: String?.self) { tasks in
            for client in clients {
                tasks.addTask { await client.run(until: stop, acknowledgements: self.acknowledgements) }
            }
            for number in 1...self.settings.trials {
                let fault = self.settings.faults[(number - 1) % self.settings.faults.count]
                let shard = (number - 1) % self.shards.count
                guard let roles = self.shards[shard].roles,
                    let next = await self.trial(number, fault, shard: self.shards[shard].id, roles, group: group)
                else { break }
                self.shards[shard].roles = next
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
}
