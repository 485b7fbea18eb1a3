import Foundation
import NIOCore
import SeatdTestSupport

/// etcd members on loopback for the failover run (1 or 3), started as one cluster: each with its own client and
/// peer ports and data directory (on /dev/shm when there is one, so that etcd's fsyncs do not wait on a disk the
/// seatd nodes keep busy). Stopped, with its directories removed, by `stop()`.
final class EtcdCluster: @unchecked Sendable {
    /// The members' client URLs, `http://127.0.0.1:<port>`.
    let urls: [String]
    private let processes: [Process]
    private let directory: String

    /// Starts the members and waits until every one says it is healthy (it has a leader); ports found taken in
    /// the meantime start it again on others, at most 3 times.
    static func start(members: Int, group: any EventLoopGroup) async throws -> EtcdCluster {
        guard let binary = EtcdServer.path else {
            throw LoadError("etcd is not installed (apt-get install etcd-server)")
        }
        for _ in 0..<3 {
            let cluster = try EtcdCluster(binary: binary, members: members)
            if await cluster.healthy(group: group, withinSeconds: 30) { return cluster }
            cluster.stop()
        }
        throw LoadError("etcd (\(members) members) did not become healthy")
    }

    private init(binary: String, members: Int) throws {
        let scratch = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        self.directory = scratch + "/seatd-failover-etcd-\(UUID().uuidString)"
        let ports = try (0..<members).map { _ in (client: try LoopbackPort.free(), peer: try LoopbackPort.free()) }
        let names = (0..<members).map { "m\($0)" }
        let initial = zip(names, ports).map { "\($0)=http://127.0.0.1:\($1.peer)" }.joined(separator: ",")
        let token = "failover-\(UUID().uuidString.prefix(8))"
        var processes: [Process] = []
        for (name, port) in zip(names, ports) {
            let (client, peer) = ("http://127.0.0.1:\(port.client)", "http://127.0.0.1:\(port.peer)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "--name", name, "--data-dir", self.directory + "/" + name,
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", initial, "--initial-cluster-token", token, "--initial-cluster-state", "new",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }
        self.processes = processes
        self.urls = ports.map { "http://127.0.0.1:\($0.client)" }
    }

    /// Stops every member (SIGTERM, then waits) and removes the data directories.
    func stop() {
        for process in self.processes where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    /// True once every member answers `GET /health` with 200 while all are running; false when one exited (its
    /// port was taken) or `withinSeconds` passed.
    private func healthy(group: any EventLoopGroup, withinSeconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(withinSeconds)
        var pending = self.urls
        while !pending.isEmpty, ContinuousClock.now < deadline, self.processes.allSatisfy(\.isRunning) {
            var still: [String] = []
            for url in pending where !(await Self.health(url, group: group)) { still.append(url) }
            pending = still
            if !pending.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
        }
        return pending.isEmpty && self.processes.allSatisfy(\.isRunning)
    }

    /// etcd's `GET /health` over a plain connection: true on `HTTP/1.1 200` (the member has a leader).
    private static func health(_ url: String, group: any EventLoopGroup) async -> Bool {
        guard let target = Target(argument: String(url.dropFirst("http://".count))),
            let client = try? await LineClient.connect(target, group: group)
        else { return false }
        let status = try? await client.send(
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r", timeoutMs: 2_000)
        await client.close()
        return status?.hasPrefix("HTTP/1.1 200") ?? false
    }
}
