import Configuration
import Foundation
import Logging
import NIOCore
import SeatActors
import SystemPackage
import WAL

/// Everything `seatd serve` is configured with. Built-in defaults, overridden by the YAML file, overridden by
/// `SEATD_*` environment variables, overridden by command-line flags. `docs/configuration.md` lists every key.
struct SeatdConfig: Sendable {
    var host = "127.0.0.1"
    var port = 7070
    var data = "./data"
    var fsync = FsyncPolicy.always
    /// Allow a non-loopback address with auth off.
    var allowOpen = false
    var tokens: [AuthToken] = []
    /// `CREATE HALL` arguments of the halls created at start when missing.
    var halls: [(id: String, rows: [RowSpec], parts: [HallPart])] = []
    var limits = ServerSettings()
    var snapshotEveryRecords: UInt64 = 1_000_000
    var snapshotEverySeconds = 300
    /// Events each session retains (`events.retain_per_session`).
    var eventsRetained = Limits.eventsRetainedDefault
    /// Where events are published (`events.nats`); nil: off.
    var nats: NATSSettings? = nil
    /// The HTTP port: the seat-map page, `/health`, `/ready`, `/metrics` (`http.*`); nil: off.
    var http: HTTPSettings? = nil
    var logLevel = Logger.Level.info
    /// An fsync slower than this is logged as a warning.
    var slowFsyncMs = 500
    /// Under load, how long a batch of the log gathers before its write and fsync (`log.commit_delay_us`).
    var commitDelayMicroseconds = 200
    /// Size of one log segment file.
    var segmentBytes = 64 << 20
    /// Cluster mode (`cluster.*`); nil: a single node.
    var cluster: ClusterSettings? = nil
    /// Event loops (`threads`): each serves its connections and runs its share of the sessions; 0 is `loops`'s
    /// default.
    var threads = 0

    /// The event loops to run: `threads`, or with 0 one per core but one, and at least one. The log writer has a
    /// thread of its own, and the kernel's network work runs beside the loops: on 2 cores one loop spent 9-17% less
    /// CPU per request than two (BENCHMARKS.md, "Speed, round two"; `LoadTests/bench-settings.sh`).
    var loops: Int { self.threads > 0 ? self.threads : max(1, System.coreCount - 1) }
    /// The TLS listener and certificates (`tls.*`); nil: TLS off.
    var tls: TLSSettings? = nil

    struct Invalid: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads the file (if any) and the environment over the defaults. Flags are applied by the caller.
    static func load(file: String?, environment: [String: String]) async throws -> SeatdConfig {
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "seatd")
        ]
        var fileReader: ConfigReader? = nil
        if let file {
            try Self.checkShape(ofFile: file)
            do {
                let provider = try await FileProvider<YAMLSnapshot>(filePath: FilePath(file))
                providers.append(provider)
                fileReader = ConfigReader(provider: provider)
            } catch {
                throw Invalid("cannot read config file \(file): \(error)")
            }
        }
        return try SeatdConfig(ConfigReader(providers: providers), file: fileReader)
    }

    init() {}

    init(_ config: ConfigReader, file: ConfigReader?) throws {
        let read = Reader(config: config)
        self.host = try read.string("host", self.host)
        self.port = try read.int("port", self.port, 0...65_535)
        self.data = try read.string("data", self.data)
        let fsync = try read.string("fsync", "always")
        guard let policy = FsyncPolicy(fsync) else {
            throw Invalid("\(Reader.name("fsync")): expected always, off or interval=<ms> (1..60000), got \(fsync)")
        }
        self.fsync = policy
        self.allowOpen = try read.bool("allow_open", false)
        self.threads = try read.int("threads", self.threads, 0...256)
        self.tokens = try Self.tokens(config.stringArray(forKey: "auth.tokens") ?? [])
        self.halls = try Self.halls(file?.stringArray(forKey: "halls") ?? [])

        self.limits.host = self.host
        self.limits.port = self.port
        self.limits.lineBytesMax = try read.int("limits.line_bytes", self.limits.lineBytesMax, 64...1 << 20)
        self.limits.seatsPerHoldMax = try read.int(
            "limits.seats_per_hold", self.limits.seatsPerHoldMax, 1...Limits.seatsPerHoldMax)
        self.limits.connectionsMax = try read.int("limits.connections", self.limits.connectionsMax, 1...1_000_000)
        self.limits.keysPerSessionMax = try read.int(
            "limits.keys_per_session", self.limits.keysPerSessionMax, 1...100_000_000)
        self.limits.pipelineDepthMax = try read.int("limits.pipeline", self.limits.pipelineDepthMax, 1...65_536)
        self.limits.watchBufferBytes = try read.int(
            "limits.watch_buffer_bytes", self.limits.watchBufferBytes, 4_096...1 << 30)
        self.limits.idleTimeoutSeconds = try read.int(
            "limits.idle_timeout_s", self.limits.idleTimeoutSeconds, 0...86_400)
        self.limits.drainGraceMs = try read.int("limits.drain_grace_ms", self.limits.drainGraceMs, 0...60_000)
        self.limits.authTimeoutMs = try read.int("limits.auth_timeout_ms", self.limits.authTimeoutMs, 100...3_600_000)
        if try read.optionalString("limits.unauthenticated") != nil {
            self.limits.unauthenticatedMax = try read.int("limits.unauthenticated", 1, 1...1_000_000)
        }
        self.limits.connectionsPerIP = try read.int(
            "limits.connections_per_ip", self.limits.connectionsPerIP, 0...1_000_000)
        self.limits.authFailuresMax = try read.int("limits.auth_failures", self.limits.authFailuresMax, 1...1_000)

        self.eventsRetained = try read.int(
            "events.retain_per_session", self.eventsRetained, 1...Limits.eventsRetainedMax)
        let url = try read.string("events.nats", "")
        if !url.isEmpty {
            guard let (host, port) = NATSSettings.address(url) else {
                throw Invalid("\(Reader.name("events.nats")): expected nats://<host>[:<port>], got \(url)")
            }
            var nats = NATSSettings()
            (nats.host, nats.port) = (host, port)
            nats.subject = try read.string("events.nats_subject", nats.subject)
            guard NATSSettings.isValidSubject(nats.subject) else {
                throw Invalid(
                    "\(Reader.name("events.nats_subject")): expected dot-separated tokens of A-Z a-z 0-9 _ - "
                        + "or <type> or <session>, starting with a literal one, got \(nats.subject)")
            }
            nats.stream = try read.string("events.nats_stream", nats.stream)
            guard !nats.stream.isEmpty, nats.stream.utf8.count <= 64,
                nats.stream.utf8.allSatisfy({
                    (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 95 || $0 == 45
                })
            else {
                throw Invalid(
                    "\(Reader.name("events.nats_stream")): expected 1-64 characters of A-Z a-z 0-9 _ -, got \(nats.stream)"
                )
            }
            nats.inFlightMax = try read.int("events.nats_in_flight", nats.inFlightMax, 1...1_000_000)
            self.nats = nats
        }
        self.snapshotEveryRecords = UInt64(try read.int("snapshot.every_records", 1_000_000, 1...Int.max))
        self.snapshotEverySeconds = try read.int("snapshot.every_seconds", 300, 1...86_400)
        let level = try read.string("log.level", "info")
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw Invalid(
                "\(Reader.name("log.level")): expected trace, debug, info, notice, warning, error or critical, "
                    + "got \(level)")
        }
        self.logLevel = logLevel
        self.slowFsyncMs = try read.int("log.slow_fsync_ms", 500, 1...600_000)
        self.commitDelayMicroseconds = try read.int("log.commit_delay_us", 200, 0...10_000)
        self.segmentBytes = try read.int("log.segment_bytes", self.segmentBytes, 64 << 10...1 << 30)
        self.tls = try Self.tls(read, roles: config.stringArray(forKey: "tls.client_roles") ?? [])
        self.http = try Self.http(read, tls: self.tls)
        // Clients reach a TLS-only node on its TLS port.
        let clientPort = self.tls.map { $0.only ? $0.port : self.port } ?? self.port
        self.cluster = try Self.cluster(read, advertiseDefault: "\(self.host):\(clientPort)")
    }

    /// The `cluster.*` settings, nil unless `cluster.etcd` is set; each one checked.
    private static func cluster(_ read: Reader, advertiseDefault: String) throws -> ClusterSettings? {
        let etcd = try read.string("cluster.etcd", "").split(separator: ",").map {
            String($0).trimmingCharacters(in: .whitespaces)
        }
        guard !etcd.isEmpty else { return nil }
        for url in etcd where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw Invalid("\(Reader.name("cluster.etcd")): expected http://<host>:<port>[,...], got \(url)")
        }
        func id(_ key: ConfigKey, _ defaultValue: String?) throws -> String {
            guard let value = try read.optionalString(key) ?? defaultValue else {
                throw Invalid("\(Reader.name(key)) is required in cluster mode (cluster.etcd is set)")
            }
            do { try ClusterLayout.check(value, "\(Reader.name(key))") } catch { throw Invalid(error.description) }
            return value
        }
        func address(_ key: ConfigKey, _ defaultValue: String?) throws -> String {
            guard let value = try read.optionalString(key) ?? defaultValue else {
                throw Invalid("\(Reader.name(key)) is required in cluster mode (cluster.etcd is set)")
            }
            guard ClusterSettings.address(value) != nil else {
                throw Invalid("\(Reader.name(key)): expected <host>:<port>, got \(value)")
            }
            return value
        }
        let name = try id("cluster.name", "seatd")
        let node = try id("cluster.node", nil)
        let shard = try id("cluster.shard", nil)
        let advertise = try address("cluster.advertise", advertiseDefault)
        let replicationListen = try address("cluster.replication_listen", nil)
        let ttl = try read.int("cluster.lease_ttl_s", 3, ClusterSettings.leaseTTLRange)
        let mode = try read.string("cluster.replication", "sync")
        guard let replication = ClusterSettings.Replication(rawValue: mode) else {
            throw Invalid("\(Reader.name("cluster.replication")): expected sync or async, got \(mode)")
        }
        let secret = try read.string("cluster.secret", "")
        guard secret.utf8.count >= ClusterSettings.secretBytesMin else {
            // Never echo the secret.
            throw Invalid(
                "\(Reader.name("cluster.secret")) must be set to \(ClusterSettings.secretBytesMin) or more characters "
                    + "in cluster mode, the same on every node")
        }
        return ClusterSettings(
            etcd: etcd, name: name, node: node, shard: shard, advertise: advertise,
            replicationListen: replicationListen, leaseTTLSeconds: ttl, replication: replication, secret: secret)
    }

    /// True when the server may bind its address with the auth settings it has.
    var bindAllowed: Bool {
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(self.host) || self.host.hasPrefix("127.")
        return !self.tokens.isEmpty || loopback || self.allowOpen
    }

    /// Parses `role:token` entries.
    /// Parses `role:token` entries. A token has AUTH's form (1..256 visible ASCII characters). Errors name the
    /// entry by position, never its text: it holds a secret.
    static func tokens(_ entries: [String]) throws -> [AuthToken] {
        try entries.enumerated().map { index, entry in
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let role = Role(rawValue: String(parts[0])), Request.isToken(parts[1]) else {
                throw Invalid(
                    "auth.tokens (SEATD_AUTH_TOKENS): entry \(index + 1) is not <admin|client|reader>:<token> "
                        + "with a token of 1-\(Request.tokenBytesMax) visible ASCII characters")
            }
            return AuthToken(secret: String(parts[1]), role: role)
        }
    }

    /// Parses `<hall> <part>...` entries with the protocol's CREATE HALL grammar (rows, and since 1.1 `ga:`, `cat:`,
    /// `flag:` parts), and checks that each makes a hall.
    static func halls(_ entries: [String]) throws -> [(id: String, rows: [RowSpec], parts: [HallPart])] {
        try entries.map { entry in
            switch Request.parse("CREATE HALL \(entry)"[...]) {
            case .success(.createHall(let id, let rows, let parts)):
                do { _ = try Hall(id: id, specs: rows, parts: parts) } catch {
                    throw Invalid("halls: \(id): \((error as? SeatError)?.message ?? "\(error)")")
                }
                return (id, rows, parts)
            case .failure(let error):
                throw Invalid(
                    "halls: expected \"<hall> <row>=<seats>...\" as in CREATE HALL, got \(entry) (\(error.message))")
            default:
                throw Invalid("halls: expected \"<hall> <row>=<seats>...\" as in CREATE HALL, got \(entry)")
            }
        }
    }

    /// Reads scalars as strings and converts them here, so a malformed value is an error, never a silent default.
    struct Reader {
        let config: ConfigReader

        func string(_ key: ConfigKey, _ defaultValue: String) throws -> String {
            self.config.string(forKey: key) ?? defaultValue
        }

        /// The value, nil when unset or empty.
        func optionalString(_ key: ConfigKey) throws -> String? {
            self.config.string(forKey: key).flatMap { $0.isEmpty ? nil : $0 }
        }

        func int(_ key: ConfigKey, _ defaultValue: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = self.config.string(forKey: key) else { return defaultValue }
            guard let value = Int(text), range.contains(value) else {
                throw Invalid(
                    "\(Self.name(key)): expected a whole number in \(range.lowerBound)...\(range.upperBound), got \(text)"
                )
            }
            return value
        }

        func bool(_ key: ConfigKey, _ defaultValue: Bool) throws -> Bool {
            guard let text = self.config.string(forKey: key) else { return defaultValue }
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw Invalid("\(Self.name(key)): expected true or false, got \(text)")
            }
        }

        /// The key and its environment variable, for error messages.
        static func name(_ key: ConfigKey) -> String {
            "\(key) (SEATD_\(key.description.uppercased().replacingOccurrences(of: ".", with: "_")))"
        }
    }
}
