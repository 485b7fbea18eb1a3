import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import SeatActors
import ServiceLifecycle
import Store
import UnixSignals
import WAL

/// `seatd [serve]`: reads the configuration, recovers the data directory, creates the configured halls, then
/// serves the line protocol (and metrics, when configured) until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Recover the data directory and serve the seatd line protocol.",
        discussion: """
            Settings come from built-in defaults, then the --config file (YAML, see config/seatd.yaml), then \
            SEATD_* environment variables (SEATD_PORT, SEATD_LIMITS_LINE_BYTES, ...), then these flags. Auth \
            tokens come from auth.tokens or SEATD_AUTH_TOKENS (role:token,...); with none, auth is off.
            """)

    @Option(help: "Configuration file (YAML). Without it only defaults, SEATD_* variables and flags apply.")
    var config: String?
    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on, 0 for any free port (default 7070).")
    var port: Int?
    @Option(help: "Data directory: the log in <data>/wal, snapshots in <data>/snapshots (default ./data).")
    var data: String?
    @Option(help: "always, interval=<ms> or off (default always).")
    var fsync: String?
    @Option(help: "Address of the HTTP port (http.host; default 127.0.0.1).")
    var httpHost: String?
    @Option(
        help:
            "The HTTP port: the seat-map page, /api, /health, /ready, /metrics; 0 for any free port (http.port; default off)."
    )
    var httpPort: Int?
    @Option(help: "The older name of --http-port, where 0 is off (metrics.port).")
    var metricsPort: Int?
    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?
    @Flag(help: "Allow a non-loopback address with auth off (every client is then admin).")
    var allowOpen = false
    @Option(help: "Cluster mode: etcd client URLs, comma-separated (cluster.etcd; default off).")
    var clusterEtcd: String?
    @Option(help: "The cluster's name: its etcd keys are under /seatd/<name>/ (default seatd).")
    var clusterName: String?
    @Option(help: "This node's id, unique in the cluster.")
    var clusterNode: String?
    @Option(help: "The shard this node serves.")
    var clusterShard: String?
    @Option(help: "host:port clients reach this node at (default host:port).")
    var clusterAdvertise: String?
    @Option(help: "host:port of this node's replication port.")
    var clusterReplicationListen: String?
    @Option(help: "The etcd lease's TTL in seconds (default 3).")
    var clusterLeaseTtlS: Int?
    @Option(help: "sync (default: an OK waits for the standby) or async.")
    var clusterReplication: String?
    @Option(help: "The cluster's shared secret, 16 or more characters, the same on every node.")
    var clusterSecret: String?
    @Option(help: "Port of the TLS listener, beside --port; 0 for any free port (tls.port; default off).")
    var tlsPort: Int?
    @Option(help: "PEM certificate (then any chain) of the TLS listener (tls.cert).")
    var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert (tls.key).")
    var tlsKey: String?
    @Option(help: "PEM CA certificates: TLS clients must present a certificate signed by one (tls.client_ca).")
    var tlsClientCa: String?
    @Flag(help: "Serve TLS only: do not open the plain --port (tls.only).")
    var tlsOnly = false

    /// The TLS flags given, as the environment variables they override.
    var tlsFlags: [String: String] {
        let flags: [(String, String?)] = [
            ("PORT", self.tlsPort.map { "\($0)" }), ("CERT", self.tlsCert), ("KEY", self.tlsKey),
            ("CLIENT_CA", self.tlsClientCa), ("ONLY", self.tlsOnly ? "true" : nil),
        ]
        return Dictionary(
            uniqueKeysWithValues: flags.compactMap { key, value in value.map { ("SEATD_TLS_" + key, $0) } })
    }

    /// The HTTP flags given, as the environment variables they override.
    var httpFlags: [String: String] {
        let flags: [(String, String?)] = [
            ("HTTP_HOST", self.httpHost), ("HTTP_PORT", self.httpPort.map { "\($0)" }),
            ("METRICS_PORT", self.metricsPort.map { "\($0)" }),
        ]
        return Dictionary(uniqueKeysWithValues: flags.compactMap { key, value in value.map { ("SEATD_" + key, $0) } })
    }

    /// The cluster flags given, as the environment variables they override.
    var clusterFlags: [String: String] {
        let flags: [(String, String?)] = [
            ("ETCD", self.clusterEtcd), ("NAME", self.clusterName), ("NODE", self.clusterNode),
            ("SHARD", self.clusterShard), ("ADVERTISE", self.clusterAdvertise),
            ("REPLICATION_LISTEN", self.clusterReplicationListen),
            ("LEASE_TTL_S", self.clusterLeaseTtlS.map { "\($0)" }), ("REPLICATION", self.clusterReplication),
            ("SECRET", self.clusterSecret),
        ]
        return Dictionary(
            uniqueKeysWithValues: flags.compactMap { key, value in value.map { ("SEATD_CLUSTER_" + key, $0) } })
    }

    /// The configuration: file and environment, then the flags given.
    func settings(environment: [String: String]) async throws -> SeatdConfig {
        var config: SeatdConfig
        do {
            // Cluster flags are read with the file and environment (they override both), so that the cluster
            // settings are checked as one.
            config = try await SeatdConfig.load(
                file: self.config,
                environment: environment.merging(self.clusterFlags) { $1 }.merging(self.tlsFlags) { $1 }
                    .merging(self.httpFlags) { $1 })
        } catch let error as SeatdConfig.Invalid {
            throw StartupError(error.description)
        }
        if let host = self.host { config.host = host }
        if let port = self.port {
            guard (0...65_535).contains(port) else { throw StartupError("--port must be 0 to 65535") }
            config.port = port
        }
        if let data = self.data { config.data = data }
        if let fsync = self.fsync {
            guard let policy = FsyncPolicy(fsync) else {
                throw StartupError("--fsync must be always, interval=<ms> (1..60000) or off")
            }
            config.fsync = policy
        }
        if let level = self.logLevel {
            guard let level = Logger.Level(rawValue: level) else { throw StartupError("--log-level: unknown level") }
            config.logLevel = level
        }
        if self.allowOpen { config.allowOpen = true }
        config.limits.host = config.host
        config.limits.port = config.port
        guard config.bindAllowed else {
            throw StartupError(
                "refusing to listen on \(config.host) with auth off: set auth.tokens / SEATD_AUTH_TOKENS or allow_open")
        }
        return config
    }

    mutating func run() async throws {
        Failpoint.check()
        var config = try await self.settings(environment: ProcessInfo.processInfo.environment)
        // The certificate files are read, and the key matched to the certificate, before anything else starts.
        if let tls = config.tls {
            do { config.limits.tls = try TLSContextStore(settings: tls, cluster: config.cluster != nil) } catch {
                throw ValidationError(error.description)
            }
        }
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "seatd")
        let prometheus = PrometheusCollectorRegistry()
        var metrics = ServerMetrics(factory: NOOPMetricsHandler.instance)
        if config.http != nil {
            var factory = PrometheusMetricsFactory(registry: prometheus)
            factory.defaultDurationHistogramBuckets = [
                .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100),
                .milliseconds(250), .seconds(1),
            ]
            factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024, 4_096]
            let described = DescribedMetricsFactory(registry: prometheus, plain: factory)
            MetricsSystem.bootstrap(described)
            metrics = ServerMetrics(factory: described)
        }

        // Recovery runs before the port opens.
        let limits = config.limits
        logger.info(
            "configuration",
            metadata: [
                "host": "\(config.host)", "port": "\(config.port)", "data": "\(config.data)",
                "fsync": "\(config.fsync)",
                "auth": "\(config.tokens.isEmpty ? "off" : "\(config.tokens.count) tokens")",
                "allow_open": "\(config.allowOpen)",
                "halls": "\(config.halls.isEmpty ? "-" : config.halls.map(\.id).joined(separator: ","))",
                "line_bytes": "\(limits.lineBytesMax)", "seats_per_hold": "\(limits.seatsPerHoldMax)",
                "keys_per_session": "\(limits.keysPerSessionMax)",
                "connections": "\(limits.connectionsMax)", "pipeline": "\(limits.pipelineDepthMax)",
                "watch_buffer_bytes": "\(limits.watchBufferBytes)", "idle_timeout_s": "\(limits.idleTimeoutSeconds)",
                "snapshot_every_records": "\(config.snapshotEveryRecords)",
                "snapshot_every_seconds": "\(config.snapshotEverySeconds)",
                "http": "\(config.http.map { "\($0.host):\($0.port) tls=\($0.tls)" } ?? "off")",
                "log_level": "\(config.logLevel)", "threads": "\(config.threads)", "loops": "\(config.loops)",
                "tls":
                    "\(config.tls.map { "port=\($0.port) client_ca=\($0.clientCAPath ?? "off") only=\($0.only)" } ?? "off")",
                "slow_fsync_ms": "\(config.slowFsyncMs)", "commit_delay_us": "\(config.commitDelayMicroseconds)",
                "segment_bytes": "\(config.segmentBytes)", "events_retain_per_session": "\(config.eventsRetained)",
                "events_nats":
                    "\(config.nats.map { "nats://\($0.host):\($0.port) subject=\($0.subject) stream=\($0.stream)" } ?? "off")",
            ])
        let started = ContinuousClock.now
        // Held until the process ends: a second server on this directory refuses to start.
        let lock: DataDirectoryLock
        do { lock = try DataDirectoryLock(config.data) } catch { throw StartupError("\(error)") }
        defer { withExtendedLifetime(lock) {} }
        // The HTTP port opens before recovery: /health answers and /ready says `recovering` meanwhile.
        let http = HTTPState()
        var httpTask: Task<Void, Never>? = nil
        if let settings = config.http {
            httpTask = try await Self.openHTTP(settings, state: http, registry: prometheus, tls: config.tls)
        }
        defer { httpTask?.cancel() }
        // Connections and sessions share these loops: a request to a session of its connection's loop runs there.
        let loops = MultiThreadedEventLoopGroup(
            numberOfThreads: config.loops)
        let executors = LoopExecutors(loops)
        // In a cluster the log feeds the standby's connection, and "durable" also asks the replication gate.
        let gate = config.cluster.map { ReplicationGate(leaseTTLSeconds: $0.leaseTTLSeconds) }
        let source = ReplicationSource()
        let publish: @Sendable (LogBatch) -> Void = { source.publish($0) }
        let onBatch = gate == nil ? nil : publish
        let service = try LogService(
            data: config.data, segmentBytes: config.segmentBytes, fsync: config.fsync, slowFsyncMs: config.slowFsyncMs,
            commitDelayMicroseconds: config.commitDelayMicroseconds,
            keysPerSessionMax: config.limits.keysPerSessionMax, eventsRetained: config.eventsRetained,
            executors: executors.next, gate: gate, onBatch: onBatch)
        for repair in service.opened.recovered.repairs { logger.warning("recovery repaired the log: \(repair)") }
        logger[metadataKey: "data"] = "\(config.data)"
        logger.info(
            "recovered",
            metadata: [
                "lsn": "\(service.opened.recovered.lastLSN)", "fsync": "\(config.fsync)",
                "took": "\(started.duration(to: .now))",
            ])
        var cluster: ClusterState? = nil
        if let settings = config.cluster, let gate {
            cluster = ClusterState(settings: settings, gate: gate, registry: service.registry, halls: config.halls)
        }
        // A cluster's node creates the configured halls in the cluster's catalog when it starts to serve as primary.
        if cluster == nil { try await Self.createHalls(config.halls, in: service, logger: logger) }

        var publisher: EventPublisher? = nil
        var eventsDropped: (@Sendable () -> Int)? = nil
        if let nats = config.nats {
            let made = try EventPublisher(
                service: service, settings: nats, logger: Logger(label: "seatd.nats"), messageIDs: config.cluster?.shard
            )
            publisher = made
            eventsDropped = { made.dropped }
        }
        let dispatcher = Dispatcher(
            service: service, tokens: config.tokens.map { ($0.secret, $0.role) },
            seatsPerHoldMax: config.limits.seatsPerHoldMax,
            metrics: metrics, eventsDropped: eventsDropped, cluster: cluster,
            authFailuresMax: config.limits.authFailuresMax)
        if config.tokens.isEmpty { logger.notice("auth is off: every connection is admin") }
        var services: [any Service] = [
            Maintenance(
                service: service, snapshotEveryRecords: config.snapshotEveryRecords,
                snapshotEverySeconds: config.snapshotEverySeconds, logger: Logger(label: "seatd.log"))
        ]
        http.serve(HTTPState.Backend(service: service, dispatcher: dispatcher, cluster: cluster))
        if let publisher { services.append(publisher) }
        if let store = config.limits.tls {
            // Trapped now: until a handler is installed, SIGHUP's default action would end the process.
            let hangups = await UnixSignalsSequence(trapping: .sighup)
            services.append(TLSReloader(store: store, signals: hangups, logger: Logger(label: "seatd.tls")))
        }
        if let settings = config.cluster, let cluster {
            let node = try ClusterNode(
                settings: settings, state: cluster, service: service, source: source, group: loops,
                logger: Logger(label: "seatd.cluster"), tls: config.limits.tls,
                barrier: { await executors.barrier() })
            cluster.onFailover { () async throws(SeatError) -> Int64 in try await node.failover() }
            services.append(node)
        }
        services.append(
            SeatServer(
                settings: config.limits, dispatcher: dispatcher, logger: Logger(label: "seatd.server"),
                group: loops, executors: executors))
        // Last, so it hears of the shutdown first: /ready then answers 503 `stopping` while the line port drains.
        let configured =
            services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
            + [.init(service: OnShutdown { http.stop() }, successTerminationBehavior: .ignore)]
        var group = ServiceGroupConfiguration(
            services: configured, gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "seatd.lifecycle")
        )
        group.maximumGracefulShutdownDuration = config.limits.shutdownLimit
        try await ServiceGroup(configuration: group).run()
        logger.info("stopped", metadata: ["lsn": "\(service.registry.log.lastLSN)"])
    }

    /// Opens the HTTP port in a task of its own (it outlives recovery and the service group's drain); returns once
    /// it listens, or throws why it cannot.
    static func openHTTP(
        _ settings: HTTPSettings, state: HTTPState, registry: PrometheusCollectorRegistry, tls: TLSSettings?
    ) async throws -> Task<Void, Never> {
        let port = HTTPPort(
            settings: settings, state: state, registry: registry,
            refresh: { await $0.dispatcher.refreshGauges() }, logger: Logger(label: "seatd.http"))
        let (opened, result) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        let task = Task {
            do {
                try await HTTPPort.run(port, tls: tls) { result.yield(.success($0)) }
            } catch {
                result.yield(.failure(error))
            }
            result.finish()
        }
        for await outcome in opened {
            switch outcome {
            case .success: return task
            case .failure(let error as IOError):
                throw StartupError(
                    "cannot listen on \(settings.host):\(settings.port) for http: \(String(cString: strerror(error.errnoCode)))"
                )
            case .failure(let error): throw StartupError("http: \(error)")
            }
        }
        throw StartupError("http: the port closed as it opened")
    }

    /// Creates the halls the configuration declares and the data directory lacks.
    static func createHalls(
        _ halls: [(id: String, rows: [RowSpec], parts: [HallPart])], in service: LogService, logger: Logger
    ) async throws {
        let registry = service.registry
        for (id, rows, parts) in halls {
            if let existing = registry.hall(id) {
                if existing.specs != rows
                    || existing.parts != ((try? Hall(id: id, specs: rows, parts: parts))?.parts ?? [])
                {
                    logger.warning(
                        "hall \(id) in the configuration differs from the one in the data directory; keeping the stored one"
                    )
                }
                continue
            }
            do {
                let (hall, lsn) = try registry.createHall(id: id, rows: rows, parts: parts)
                logger.info(
                    "created hall from the configuration",
                    metadata: ["hall": "\(id)", "seats": "\(hall.capacity)", "lsn": "\(lsn)"])
            } catch {
                throw StartupError("halls: cannot create \(id): \(error.message)")
            }
        }
        try await service.sync()
    }
}
