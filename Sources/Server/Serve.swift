import ArgumentParser
import Dispatch
import SeatActors
import WAL

#if canImport(Glibc)
import Glibc
#endif

/// `seatd [serve]`: recovers the data directory, then serves the line protocol until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Recover the data directory and serve the seatd line protocol.",
        discussion: "Auth tokens come from SEATD_AUTH_TOKENS (role:token,...); with none, auth is off.")

    @Option(help: "Configuration file (read from the configuration issue on; flags and defaults apply now).")
    var config: String = "config/seatd.conf"
    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 7070
    @Option(help: "Data directory (log in <data>/wal, snapshots in <data>/snapshots).")
    var data: String = "./data"
    @Option(help: "always, interval=<ms> or off.")
    var fsync: String = "always"
    @Option(help: "Take a snapshot after this many changes.")
    var snapshotRecords: UInt64 = 1_000_000
    @Option(help: "Take a snapshot after this many seconds with changes.")
    var snapshotSeconds: Int = 300
    @Flag(help: "Allow a non-loopback address with auth off (every client is then admin).")
    var allowOpen = false

    func validate() throws {
        guard FsyncPolicy(self.fsync) != nil else { throw ValidationError("--fsync must be always, interval=<ms> or off") }
        guard (0...65_535).contains(self.port) else { throw ValidationError("--port must be 0 to 65535") }
    }

    mutating func run() async throws {
        let tokens = try Self.tokens(from: getenv("SEATD_AUTH_TOKENS").map { String(cString: $0) } ?? "")
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(self.host) || self.host.hasPrefix("127.")
        guard !tokens.isEmpty || loopback || self.allowOpen else {
            throw ValidationError("refusing to listen on \(self.host) with auth off: set SEATD_AUTH_TOKENS or --allow-open")
        }
        let service = try LogService(data: self.data, fsync: FsyncPolicy(self.fsync)!)
        for repair in service.opened.recovered.repairs { print("warning: \(repair)") }
        let settings = ServerSettings(host: self.host, port: self.port)
        let server = SeatServer(settings: settings, dispatcher: Dispatcher(service: service, tokens: tokens))
        let records = self.snapshotRecords
        let seconds = self.snapshotSeconds
        let host = self.host
        let main = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await server.run { port in
                        print("seatd \(Seatd.version) listening on \(host):\(port), "
                              + "recovered through LSN \(service.opened.recovered.lastLSN)")
                    }
                }
                group.addTask { await Self.sweep(service) }
                group.addTask { await service.supervise { print("log: \($0)") } }
                group.addTask { await Self.snapshots(service, everyRecords: records, everySeconds: seconds) }
                try await group.next()
                group.cancelAll()
            }
        }
        let signals = Self.onTerminate { main.cancel() }
        _ = await main.result
        _ = signals
        _ = try? await service.takeSnapshot()
        service.close()
        print("seatd stopped")
    }

    /// Parses `role:token,...`.
    static func tokens(from text: String) throws -> [(token: String, role: Role)] {
        try text.split(separator: ",").map { entry in
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let role = Role(rawValue: String(parts[0])), !parts[1].isEmpty else {
                throw ValidationError("SEATD_AUTH_TOKENS entries are <admin|client|reader>:<token>")
            }
            return (String(parts[1]), role)
        }
    }

    /// Lapsed holds come back within a tick even when nobody touches their session.
    static func sweep(_ service: LogService) async {
        while !Task.isCancelled {
            _ = await service.registry.sweep()
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    static func snapshots(_ service: LogService, everyRecords: UInt64, everySeconds: Int) async {
        var last = service.registry.log.lastLSN
        var lastTime = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let current = service.registry.log.lastLSN
            let due = current - min(last, current) >= everyRecords
                || (current > last && lastTime.duration(to: .now) >= .seconds(everySeconds))
            guard due, (try? await service.takeSnapshot()) != nil else { continue }
            last = current
            lastTime = .now
        }
    }

    /// Runs `action` on SIGTERM or SIGINT; keep the returned sources alive.
    static func onTerminate(_ action: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }
}
