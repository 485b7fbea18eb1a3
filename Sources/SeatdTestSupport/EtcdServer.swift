import Etcd
import Foundation

/// A throwaway single-member etcd on loopback for the tests: free client and peer ports, a temp data directory,
/// stopped (and its directory removed) by `stop()` or when it is released.
public final class EtcdServer {
    /// The etcd binary (Debian's `etcd-server`), or nil when it is not installed: the suites that need it skip.
    public static let path: String? = ["/usr/bin/etcd", "/usr/local/bin/etcd"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Where the data directories go: /dev/shm when there is one, so that etcd's fsyncs cost nothing and a loaded
    /// disk (the log tests fsync a lot, in parallel) does not make its writes take seconds; else the temp dir.
    static let scratch: URL = {
        var isDirectory: ObjCBool = false
        let shm = FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory)
        return shm && isDirectory.boolValue && FileManager.default.isWritableFile(atPath: "/dev/shm")
            ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
    }()

    /// A per-call timeout for the tests' clients: long, since the tests check what etcd does, not how fast, and
    /// they share two cores with the rest of the suite (10 s was too short for a PUT in a fresh clone's CI run).
    public static let callTimeout: Duration = .seconds(30)

    /// The client URL, `http://127.0.0.1:<port>`.
    public let url: String
    private let process: Process
    private let dataDirectory: String

    /// Starts etcd and waits until it answers. A free port is only free when it was looked at: when another
    /// test's server took one first, this etcd exits (or another member answers), and it starts again on others.
    public init() async throws {
        let name = "e-\(UUID().uuidString.prefix(8))"
        self.dataDirectory = Self.scratch.appendingPathComponent("seatd-etcd-\(name)").path
        for _ in 0..<5 {
            let (clientPort, peerPort) = (try LoopbackPort.free(), try LoopbackPort.free())
            let process = try Self.start(name: name, clientPort: clientPort, peerPort: peerPort, self.dataDirectory)
            let url = "http://127.0.0.1:\(clientPort)"
            if await Self.answers(process, url: url, name: name) {
                (self.process, self.url) = (process, url)
                return
            }
            Self.end(process)
            try? FileManager.default.removeItem(atPath: self.dataDirectory)
        }
        throw EtcdError.unreachable(["etcd did not start"])
    }

    deinit {
        self.stop()
    }

    /// Stops etcd (SIGTERM, then waits) and removes its data directory.
    public func stop() {
        Self.end(self.process)
        try? FileManager.default.removeItem(atPath: self.dataDirectory)
    }

    /// Kills etcd with SIGKILL, as a crash would: its connections drop without a word.
    public func kill() {
        guard self.process.isRunning else { return }
        Foundation.kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }

    /// A client of this server alone.
    public func client(timeout: Duration = EtcdServer.callTimeout) -> EtcdClient {
        EtcdClient(endpoints: [self.url], timeout: timeout)
    }

    /// Runs `body` with a new server and a client of it, then shuts both down, whether `body` returns or throws.
    public static func with<Value>(_ body: (EtcdServer, EtcdClient) async throws -> Value) async throws -> Value {
        let server = try await EtcdServer()
        let client = server.client()
        defer { server.stop() }
        do {
            let value = try await body(server, client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func start(name: String, clientPort: Int, peerPort: Int, _ directory: String) throws -> Process {
        let (client, peer) = ("http://127.0.0.1:\(clientPort)", "http://127.0.0.1:\(peerPort)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path!)
        process.arguments = [
            "--name", name, "--data-dir", directory,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "\(name)=\(peer)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// True once this member says it is healthy and is still running a moment later (an etcd that found its port
    /// taken exits at once, and the one that answered was another's); false when it exited first or did not answer
    /// within 30 s.
    private static func answers(_ process: Process, url: String, name: String) async -> Bool {
        let client = EtcdClient(endpoints: [url], timeout: .seconds(2))
        var healthy = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !healthy, ContinuousClock.now < deadline, process.isRunning {
            healthy = await client.health()
            if !healthy { try? await Task.sleep(for: .milliseconds(50)) }
        }
        try? await client.shutdown()
        guard healthy else { return false }
        try? await Task.sleep(for: .milliseconds(300))
        return process.isRunning
    }

    private static func end(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
