import ArgumentParser
import Foundation
import SeatdTestSupport

/// `seat-load failover`: a primary and a standby per shard as real processes, etcd beside them, checking clients,
/// and a fault of one shard's primary in every trial.
struct FailoverTest: AsyncParsableCommand {
    /// The most shards of a run: two processes each, on one machine.
    static let shardsMax = 16

    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Fault a cluster's primary again and again under checking clients; time each failover.",
        discussion: """
            Starts etcd (--etcd-members on loopback), writes the cluster's layout (seatd cluster init, --shards
            shards s0, s1, ...) and two seatd nodes per shard with synchronous replication, waits until each shard
            has an in-sync primary and standby (and, with many shards, until every node's CLUSTER SLOTS names
            them), creates a hall and four sessions per shard (ids s<n> chosen so that each shard has four: s0 to
            s3 with one shard), and starts --clients clients per shard, each on its shard's sessions, that follow
            MOVED and TRYAGAIN and send every change with a key until a node answers it. Trial k faults the
            primary of shard (k - 1) mod --shards, the kinds of --faults in turn: kill (SIGKILL, then the node is
            restarted on its data directory), stop (SIGSTOP until the standby serves as primary and has
            acknowledged a change, then SIGCONT) or switchover (CLUSTER FAILOVER to the standby). It measures the
            time from the fault to the first change acknowledged by that shard's new primary, then waits until the
            old primary is an in-sync standby again. At the end it checks that every shard is an in-sync pair led by
            the primary its last trial left, reads every session's map from its shard's primary and checks:
            nothing acknowledged lost, no seat in two holds or bookings, no acknowledgement from a replaced primary
            after its successor's first one, and per shard the seat checker over that shard's history. Exits
            non-zero on any finding or on a trial that did not fail over within 30 s; the data directories and the
            history are kept then.
            """)

    @Option(help: "Shards, each a primary and a standby (1 to \(Self.shardsMax)).") var shards = 1
    @Option(help: "Trials (faults of a primary; trial k faults shard (k - 1) mod --shards).") var trials = 20
    @Option(help: "etcd members: 1 or 3.") var etcdMembers = 3
    @Option(help: "The seatd binary (default: the one next to seat-load, .build/release/seatd under make).")
    var seatd: String?
    @Option(help: "The nodes' etcd lease TTL in seconds (cluster.lease_ttl_s).") var leaseTTLS = 3
    @Option(help: "Concurrent checking clients per shard.") var clients = 8
    @Option(help: "Seed of the clients' choices and the fault times (default: random, printed).") var seed: UInt64?
    @Option(help: "Faults, taken in turn: kill, stop, switchover (comma-separated).") var faults = "kill,stop"
    @Option(help: "Write every operation (client, start, end, retried, request, reply) to this file.")
    var history: String?
    @Option(help: "ms a client waits for a reply before taking its connection as lost.") var replyTimeoutMs = 1_000

    func validate() throws {
        guard self.trials >= 1, self.clients >= 1 else { throw ValidationError("--trials and --clients must be >= 1") }
        guard (1...Self.shardsMax).contains(self.shards) else {
            throw ValidationError("--shards must be 1 to \(Self.shardsMax)")
        }
        guard [1, 3].contains(self.etcdMembers) else { throw ValidationError("--etcd-members must be 1 or 3") }
        guard self.leaseTTLS >= 1, self.replyTimeoutMs >= 1 else {
            throw ValidationError("--lease-ttl-s and --reply-timeout-ms must be >= 1")
        }
        guard Self.parseFaults(self.faults) != nil else {
            throw ValidationError("--faults: a comma-separated list of kill, stop, switchover")
        }
    }

    static func parseFaults(_ text: String) -> [FailoverFault]? {
        let faults = text.split(separator: ",").compactMap { FailoverFault(rawValue: String($0)) }
        return faults.isEmpty || faults.count != text.split(separator: ",", omittingEmptySubsequences: false).count
            ? nil : faults
    }

    func run() async throws {
        var settings = FailoverRun.Settings()
        settings.shards = self.shards
        settings.trials = self.trials
        settings.etcdMembers = self.etcdMembers
        settings.seatd = self.seatd ?? SeatdProcess.defaultBinary
        settings.leaseTTLSeconds = self.leaseTTLS
        settings.clients = self.clients
        settings.seed = self.seed ?? UInt64.random(in: 1...UInt64.max >> 1)
        settings.faults = Self.parseFaults(self.faults)!
        settings.history = self.history
        settings.replyTimeoutMs = self.replyTimeoutMs
        let report = try await FailoverRun(settings, progress: say).run()
        say(report.summary)
        if !report.passed { throw ExitCode(1) }
    }
}
