import Foundation
import NIOCore
import NIOPosix
import SeatdTestSupport
import Testing

@testable import Server

/// Goal: the TLS listener serves the same protocol as the plain port, a client certificate not signed by
/// `tls.client_ca` (or none) is refused, a verified certificate grants the role `tls.client_roles` gives it, and
/// SIGHUP swaps the certificate for new connections while open ones carry on. Method: the built `seatd` binary with
/// certificates made in the test (`TestCertificateAuthority`), and `LineClient` over TLS on loopback.
struct TLSProcessTests {
    /// A temporary directory of certificates: CA `one` signs seatd's certificate and the clients `ops` and
    /// `guest`; CA `other` signs `stranger`.
    struct Files {
        let directory: String
        let one: TestCertificateAuthority
        let other: TestCertificateAuthority
        let server: TestCertificateAuthority.Issued
        let ops: TestCertificateAuthority.Issued
        let guest: TestCertificateAuthority.Issued
        let stranger: TestCertificateAuthority.Issued

        init() throws {
            self.directory = TemporaryDirectory.path("tls")
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
            self.one = try TestCertificateAuthority(name: "seatd test CA one")
            self.other = try TestCertificateAuthority(name: "seatd test CA other")
            try self.one.writeCertificate(to: self.directory + "/one.pem")
            try self.other.writeCertificate(to: self.directory + "/other.pem")
            self.server = try self.one.issue(commonName: "localhost", in: self.directory, file: "server")
            self.ops = try self.one.issue(commonName: "ops", in: self.directory, file: "ops")
            self.guest = try self.one.issue(commonName: "guest", in: self.directory, file: "guest")
            self.stranger = try self.other.issue(commonName: "ops", in: self.directory, file: "stranger")
        }

        var oneCA: String { self.directory + "/one.pem" }
        var otherCA: String { self.directory + "/other.pem" }
    }

    /// A seatd with TLS on (any free TLS port), and its plain and TLS ports.
    static func start(
        _ files: Files, arguments: [String] = [], environment: [String: String] = [:]
    ) async throws -> (server: SeatdProcess, plain: Int, tls: Int) {
        let server = try SeatdProcess(
            binary: SeatdProcess.defaultBinary, data: files.directory + "/data-\(UInt32.random(in: 0...UInt32.max))",
            environment: environment,
            arguments: ["--tls-port", "0", "--tls-cert", files.server.certPath, "--tls-key", files.server.keyPath]
                + arguments)
        let plain = try await server.port()
        let line = server.printed.split(separator: "\n").first { $0.hasSuffix(" listening with TLS") }
        let port = line.flatMap { $0.range(of: #"tls_port=\d+"#, options: .regularExpression).map { $0 } }
        guard let line, let port, let tls = Int(line[port].dropFirst(9)) else {
            throw LineClient.Failure("no TLS listener:\n\(server.printed)")
        }
        return (server, plain, tls)
    }

    /// A client over TLS to `port` that trusts `ca` and shows `identity` when given.
    static func connect(
        _ port: Int, ca: String, identity: TestCertificateAuthority.Issued? = nil
    ) async throws -> LineClient {
        let tls = try ClientTLS(caPath: ca, certPath: identity?.certPath, keyPath: identity?.keyPath, host: "localhost")
        return try await LineClient.connect(
            to: try SocketAddress(ipAddress: "127.0.0.1", port: port), group: MultiThreadedEventLoopGroup.singleton,
            tls: tls)
    }

    /// True when a TLS client of `port` gets no answer to PING: its handshake was refused.
    static func refused(_ port: Int, ca: String, identity: TestCertificateAuthority.Issued? = nil) async -> Bool {
        guard let client = try? await Self.connect(port, ca: ca, identity: identity) else { return true }
        defer { Task { await client.close() } }
        return (try? await client.send(["PING"])) != ["OK PONG"]
    }

    @Test func theTLSPortServesTheProtocolAndAVerifiedCertificateGrantsItsRole() async throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let (server, plain, tls) = try await Self.start(
            files, arguments: ["--tls-client-ca", files.oneCA],
            environment: ["SEATD_AUTH_TOKENS": "admin:an-admin-token", "SEATD_TLS_CLIENT_ROLES": "admin:ops"])
        defer { server.kill(SIGTERM) }
        // ops's certificate makes it admin at the handshake: no AUTH.
        let ops = try await Self.connect(tls, ca: files.oneCA, identity: files.ops)
        let replies = try await ops.send(["PING", "CREATE HALL h A=10", "CREATE SESSION s h", "HOLD s c1 A1 A2"])
        #expect(Array(replies.prefix(3)) == ["OK PONG", "OK h 10", "OK s 10"])
        #expect(replies[3].hasPrefix("OK "), "\(replies)")
        #expect(try await ops.send(["AVAIL s"]) == ["OK free=8 held=2 sold=0"])
        await ops.close()
        // guest's certificate is verified but grants nothing: AUTH as usual.
        let guest = try await Self.connect(tls, ca: files.oneCA, identity: files.guest)
        let denied = try await guest.send(["CREATE SESSION t h", "AUTH an-admin-token", "CREATE SESSION t h"])
        #expect(denied[0].hasPrefix("ERR NOAUTH "), "\(denied)")
        #expect(Array(denied.dropFirst()) == ["OK admin", "OK t 10"])
        await guest.close()
        // The plain port serves beside it, without certificates: AUTH first (even PING, with auth on).
        let clear = try await ProcessTests().exchange(plain, ["PING", "AUTH an-admin-token", "PING"])
        #expect(clear[0].hasPrefix("ERR NOAUTH "), "\(clear)")
        #expect(Array(clear.dropFirst()) == ["OK admin", "OK PONG"])
    }

    @Test func aClientCertificateNotSignedByTheClientCAIsRefused() async throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let (server, _, tls) = try await Self.start(files, arguments: ["--tls-client-ca", files.oneCA, "--tls-only"])
        defer { server.kill(SIGTERM) }
        #expect(await Self.refused(tls, ca: files.oneCA, identity: files.stranger))
        #expect(await Self.refused(tls, ca: files.oneCA))
        // A client that does not trust seatd's CA gives up by itself.
        #expect(await Self.refused(tls, ca: files.otherCA, identity: files.ops))
        let ops = try await Self.connect(tls, ca: files.oneCA, identity: files.ops)
        #expect(try await ops.send(["PING"]) == ["OK PONG"])
        await ops.close()
        // --tls-only: the plain port (the port given, 0 here) is not opened; "listening" names the TLS port.
        #expect(server.printed.contains("port=\(tls) [Server] listening\n"), "\(server.printed)")
    }

    @Test func sighupServesTheNewCertificateToNewConnectionsAndKeepsOpenOnes() async throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let (server, _, tls) = try await Self.start(files)
        defer { server.kill(SIGTERM) }
        let old = try await Self.connect(tls, ca: files.oneCA)
        #expect(try await old.send(["PING", "CREATE HALL h A=4"]) == ["OK PONG", "OK h 4"])
        // A certificate from CA other takes the files' place.
        let renewed = try files.other.issue(commonName: "localhost", in: files.directory, file: "renewed")
        try FileManager.default.removeItem(atPath: files.server.certPath)
        try FileManager.default.removeItem(atPath: files.server.keyPath)
        try FileManager.default.copyItem(atPath: renewed.certPath, toPath: files.server.certPath)
        try FileManager.default.copyItem(atPath: renewed.keyPath, toPath: files.server.keyPath)
        server.signal(SIGHUP)
        try await Self.waitFor("reloaded the TLS certificates", in: server)
        #expect(await Self.refused(tls, ca: files.oneCA))
        let new = try await Self.connect(tls, ca: files.otherCA)
        #expect(try await new.send(["CREATE SESSION s h"]) == ["OK s 4"])
        await new.close()
        // The connection opened before the reload is still up, on the old certificate.
        #expect(try await old.send(["PING", "AVAIL s"]) == ["OK PONG", "OK free=4 held=0 sold=0"])
        await old.close()
        // A reload that fails keeps what is in use.
        try "not a key".write(toFile: files.server.keyPath, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        try await Self.waitFor("TLS certificates not reloaded", in: server)
        #expect(server.isRunning)
        let after = try await Self.connect(tls, ca: files.otherCA)
        #expect(try await after.send(["PING"]) == ["OK PONG"])
        await after.close()
    }

    static func waitFor(_ text: String, in server: SeatdProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !server.printed.contains(text) {
            guard ContinuousClock.now < deadline else {
                throw LineClient.Failure("no \"\(text)\" in:\n\(server.printed)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Goal: every `tls.*` mistake is one clear sentence at startup. Method: `SeatdConfig.load` with an environment,
/// `TLSContextStore` on made files, and the binary once.
struct TLSSettingsTests {
    @Test func tlsSettingsAreCheckedAsOne() async throws {
        func error(_ environment: [String: String]) async -> String {
            do {
                _ = try await SeatdConfig.load(file: nil, environment: environment)
                return "(none)"
            } catch { return "\(error)" }
        }
        #expect(await error(["SEATD_TLS_PORT": "7443"]).contains("go together"))
        #expect(await error(["SEATD_TLS_ONLY": "true"]).contains("needs TLS on"))
        let base = ["SEATD_TLS_PORT": "7443", "SEATD_TLS_CERT": "/c.pem", "SEATD_TLS_KEY": "/k.pem"]
        #expect(
            await error(base.merging(["SEATD_TLS_CLIENT_ROLES": "admin:ops"]) { $1 }).contains("needs tls.client_ca"))
        #expect(await error(base.merging(["SEATD_TLS_PORT": "70000"]) { $1 }).contains("tls.port"))
        let config = try await SeatdConfig.load(
            file: nil,
            environment: base.merging([
                "SEATD_TLS_CLIENT_CA": "/ca.pem", "SEATD_TLS_CLIENT_ROLES": "admin:ops,reader:dash",
            ]) {
                $1
            })
        #expect(config.tls?.clientRoles == ["ops": .admin, "dash": .reader])
        #expect(config.tls?.port == 7443)
    }

    @Test func unusableFilesAreNamed() throws {
        let files = try TLSProcessTests.Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        func failure(_ settings: TLSSettings, cluster: Bool = false) -> String {
            do {
                _ = try TLSContextStore(settings: settings, cluster: cluster)
                return "(none)"
            } catch { return error.description }
        }
        let good = TLSSettings(port: 0, certPath: files.server.certPath, keyPath: files.server.keyPath)
        #expect(failure(good) == "(none)")
        var missing = good
        missing.certPath = files.directory + "/nope.pem"
        #expect(failure(missing).hasPrefix("tls.cert: cannot read \(files.directory)/nope.pem"), "\(failure(missing))")
        var mismatched = good
        mismatched.keyPath = files.ops.keyPath
        #expect(failure(mismatched).hasPrefix("tls.key: \(files.ops.keyPath) does not match"), "\(failure(mismatched))")
        var notPEM = good
        notPEM.certPath = files.server.keyPath
        #expect(failure(notPEM) == "tls.cert: \(files.server.keyPath) holds no PEM certificate")
        // In cluster mode the standby needs a CA to check its primary against.
        #expect(failure(good, cluster: true).contains("set tls.client_ca, or end tls.cert"))
        var withCA = good
        withCA.clientCAPath = files.oneCA
        #expect(failure(withCA, cluster: true) == "(none)")
        let chained = try files.one.issue(commonName: "localhost", in: files.directory, file: "chained", chain: true)
        #expect(
            failure(TLSSettings(port: 0, certPath: chained.certPath, keyPath: chained.keyPath), cluster: true)
                == "(none)")

        let (status, printed) = try OperatorTests.seatd([
            "--data", files.directory + "/d", "--tls-port", "0", "--tls-cert", missing.certPath, "--tls-key",
            good.keyPath,
        ])
        #expect(status != 0)
        #expect(printed.contains("tls.cert: cannot read"), "\(printed)")
    }
}

/// Goal: with `tls.*` set a shard's replication port speaks TLS, both ways checked against `tls.client_ca`, and the
/// standby keeps in sync through it. Method: two real nodes against a real etcd (`ClusterProcessTests.Node`), each
/// with its own certificate from the same CA.
@Suite(.enabled(if: EtcdServer.path != nil, "etcd is missing (apt-get install etcd-server); skipped"))
struct TLSReplicationTests {
    @Test func theStandbyReplicatesOverMutualTLS() async throws {
        let files = try TLSProcessTests.Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let nodeB = try files.one.issue(commonName: "node-b", in: files.directory, file: "node-b")
        func tls(_ identity: TestCertificateAuthority.Issued) -> [String] {
            [
                "--tls-port", "0", "--tls-cert", identity.certPath, "--tls-key", identity.keyPath, "--tls-client-ca",
                files.oneCA,
            ]
        }
        try await EtcdServer.with { server, _ in
            let root = files.directory + "/cluster"
            let created = try OperatorTests.seatd([
                "cluster", "init", "--etcd", server.url, "--name", "t", "--shards", "s0",
            ])
            #expect(created.0 == 0, "\(created.1)")
            let a = try await ClusterProcessTests.Node(
                "a", root: root, etcd: server.url, cluster: "t", extra: tls(files.server))
            _ = try await a.waitFor(role: "primary")
            let b = try await ClusterProcessTests.Node(
                "b", root: root, etcd: server.url, cluster: "t", extra: tls(nodeB))
            _ = try await b.waitFor(role: "standby", replication: "sync")
            #expect(try await a.send(["CREATE HALL h A=10", "CREATE SESSION s h"]) == ["OK h 10", "OK s 10"])
            let held = try await a.send(["HOLD s c1 BEST 2"])[0]
            #expect(held.hasPrefix("OK "), "\(held)")
            let info = await a.info()
            #expect(info["standby_lsn"] == info["lsn"], "\(info)")
            #expect(b.process.printed.contains("handshake") == false, "\(b.process.printed)")
        }
    }
}
