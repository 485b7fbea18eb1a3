import Foundation
import NIOCore
import SeatdTestSupport

/// One seatd node of a shard of the failover run, a real process: its fixed client and replication ports, data
/// directory and cluster flags, so that a restart after a SIGKILL is the same node; SIGSTOP and SIGCONT; and its
/// `CLUSTER INFO`.
final class FailoverNode: @unchecked Sendable {
    /// The cluster's name in etcd.
    static let clusterName = "failover"
    /// How long a node may take to answer `CLUSTER INFO` after it was started.
    static let startSecondsMax = 60.0
    /// How long a `CLUSTER INFO` probe waits for its reply: a stopped node never answers.
    static let probeTimeoutMs = 500

    let name: String
    /// The shard the node serves.
    let shard: String
    let port: Int
    let data: String
    private let binary: String
    private let arguments: [String]
    private(set) var process: SeatdProcess?
    /// Every process started for this node, so none outlives the run.
    private(set) var started: [SeatdProcess] = []

    init(
        name: String, shard: String, binary: String, data: String, etcd: [String], leaseTTLSeconds: Int,
        secret: String
    ) throws {
        self.name = name
        self.shard = shard
        self.binary = binary
        self.data = data
        self.port = try LoopbackPort.free()
        let replicationPort = try LoopbackPort.free()
        self.arguments = [
            "--port", "\(self.port)", "--cluster-etcd", etcd.joined(separator: ","),
            "--cluster-name", Self.clusterName, "--cluster-node", name, "--cluster-shard", shard,
            "--cluster-advertise", "127.0.0.1:\(self.port)",
            "--cluster-replication-listen", "127.0.0.1:\(replicationPort)",
            "--cluster-lease-ttl-s", "\(leaseTTLSeconds)", "--cluster-replication", "sync",
            "--cluster-secret", secret,
        ]
    }

    /// Where clients reach this node.
    var address: Target { Target(argument: "127.0.0.1:\(self.port)")! }

    /// Starts the node (same data directory and flags every time) and waits until it answers `CLUSTER INFO`.
    func start(group: any EventLoopGroup) async throws {
        let process = try SeatdProcess(
            binary: self.binary, data: self.data, environment: ["SEATD_LOG_LEVEL": "info"],
            arguments: self.arguments)
        self.process = process
        self.started.append(process)
        let deadline = ContinuousClock.now + .seconds(Self.startSecondsMax)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw LoadError(
                    "node \(self.name) exited while starting; it printed:\n\(process.printed.suffix(4_000))")
            }
            if await self.info(group: group) != nil { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LoadError("node \(self.name) did not answer CLUSTER INFO within \(Int(Self.startSecondsMax)) s")
    }

    /// SIGKILL, waiting until the process is gone.
    func kill() { self.process?.kill(SIGKILL) }

    /// SIGSTOP: the process keeps its sockets and answers nothing.
    func pause() { self.signal(SIGSTOP) }

    /// SIGCONT after `pause()`.
    func resume() { self.signal(SIGCONT) }

    /// Ends every process of this node (SIGCONT first, so a stopped one can die).
    func end() {
        for process in self.started where process.isRunning {
            Foundation.kill(process.process.processIdentifier, SIGCONT)
            process.kill(SIGKILL)
        }
    }

    /// The node's `CLUSTER INFO`, or nil when it does not answer one within `probeTimeoutMs` (down, stopped, or
    /// not in a cluster).
    func info(group: any EventLoopGroup) async -> ClusterInfo? {
        await self.ask("CLUSTER INFO", group: group).flatMap { ClusterInfo($0) }
    }

    /// The node's reply to `line` on a connection of its own, or nil when none came within `probeTimeoutMs`.
    func ask(_ line: String, group: any EventLoopGroup) async -> String? {
        guard let client = try? await LineClient.connect(self.address, group: group) else { return nil }
        let reply = try? await client.send(line, timeoutMs: Self.probeTimeoutMs)
        await client.close()
        return reply
    }

    /// What the current process printed last.
    var printed: String { self.process.map { String($0.printed.suffix(4_000)) } ?? "" }

    private func signal(_ signal: Int32) {
        guard let process = self.process, process.isRunning else { return }
        Foundation.kill(process.process.processIdentifier, signal)
    }
}
