import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SeatActors
import SeatdTestSupport

/// `seat-load netfuzz`: throws random and mutated lines, connections cut mid-line and floods of connections at a
/// live seatd, while one well-behaved client (the probe) books and releases seats on a session of its own and
/// checks every reply. The server must answer the probe correctly throughout, stay up, and end with no
/// connection leaked.
struct NetFuzzTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netfuzz",
        abstract: "Fuzz a live seatd over TCP while a well-formed client checks it keeps answering.",
        discussion: """
            Without --target it starts the seatd next to seat-load on a temporary data directory, with at most 64
            connections (so floods reach the limit). Exits non-zero if the probe saw a wrong reply or none within
            10 s, if seatd died, or if connections stay open after the fuzzers closed theirs.
            """)

    @Option(help: "seatd://host:port of a running server (default: start one).") var target: Target?
    @Option(help: "Seconds to run.") var seconds = 30
    @Option(help: "Concurrent fuzzing connections.") var clients = 16
    @Option(help: "Seed of the fuzzers' choices (default: random, printed).") var seed: UInt64?

    func run() async throws {
        var settings = NetFuzz.Settings()
        settings.seconds = Double(self.seconds)
        settings.clients = self.clients
        settings.seed = self.seed ?? UInt64.random(in: 1...UInt64.max >> 1)
        var server: SeatdProcess? = nil
        var data: String? = nil
        let target: Target
        if let given = self.target {
            target = given
        } else {
            let directory = TemporaryDirectory.path("netfuzz")
            let process = try SeatdProcess(
                binary: SeatdProcess.defaultBinary, data: directory,
                environment: NetFuzz.serverEnvironment)
            let port = try await process.port()
            server = process
            data = directory
            target = Target(argument: "127.0.0.1:\(port)")!
        }
        var report = try await NetFuzz(settings, target: target).run()
        if let server {
            if !server.isRunning { report.failures.append("seatd died; it printed:\n\(server.printed.suffix(2_000))") }
            server.kill(SIGTERM)
        }
        say(report.summary)
        if report.failures.isEmpty, let data { try? FileManager.default.removeItem(atPath: data) }
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}

struct NetFuzz {
    struct Settings: Sendable {
        var seconds = 30.0
        var clients = 16
        var seed: UInt64 = 1
        /// Connections one flood opens at once.
        var flood = 100
        /// The run goes on past `seconds` until the probe made this many rounds (on a slow machine).
        var minimumProbeRounds = 0
    }

    struct Report: Sendable {
        var seed: UInt64
        var linesSent = 0
        var connections = 0
        var cut = 0
        var floods = 0
        var probeRequests = 0
        var failures: [String] = []

        var summary: String {
            let head =
                "netfuzz, seed \(self.seed): \(self.linesSent) fuzz lines on \(self.connections) connections (\(self.cut) cut mid-line), \(self.floods) floods; the probe made \(self.probeRequests) requests"
            return self.failures.isEmpty
                ? head + "; no failures"
                : ([head, "FAILURES:"] + self.failures.map { "  " + $0 }).joined(separator: "\n")
        }
    }

    /// The limits the started server runs with.
    static let serverEnvironment = ["SEATD_LIMITS_CONNECTIONS": "64"]

    /// Well-formed requests the mutations start from; they name sessions fz0..fz2 and hall fz, never the probe's.
    static let seeds = [
        "PING", "AUTH secret", "CREATE HALL fz A=10 B=1-4,6-9 C=12", "CREATE SESSION fz0 fz ttl=60 limit=6",
        "CREATE SESSION fz1 fz", "DROP SESSION fz2", "HOLD fz0 ann A1 A2 ttl=30 key=q-1", "HOLD fz0 bob BEST 3",
        "HOLD fz1 cy ANY 4 ttl=5", "CONFIRM fz0 0123456789abcdef ref=pay-1", "RELEASE fz0 0123456789abcdef",
        "CANCEL fz0 0123456789abcdef A1", "EXTEND fz0 0123456789abcdef 60", "AVAIL fz0", "MAP fz1", "LIST fz0 ann",
        "STATS", "WATCH fz0", "WATCH *", "QUIT",
        // Protocol 1.1: hall parts, places, set-aside seats, filtered BEST, checkouts, keys on every change.
        "CREATE HALL fzv A=8 B=8 ga:pit=20 cat:vip=A2-A7,pit flag:wc=B1,B8", "HALL fz", "HALLS", "SESSIONS fz",
        "CREATE SESSION fz2 fz grace=30 keyttl=60 orphans=avoid", "HOLD fz0 dee A3 pit:2 channel=box key=q-2",
        "HOLD fz1 eve BEST 2 cat=vip flag=wc orphans=avoid fallback=split", "BLOCK fz0 B2 B3", "UNBLOCK fz0 B2",
        "RESERVE fz1 box C1 C2", "UNRESERVE fz1 C1", "ADD fz0 0123456789abcdef A4 pit:1 key=q-3",
        "RELEASE fz0 0123456789abcdef A1 pit:1 key=q-4", "SELL fz1 box B2 B3 ref=cash key=q-5",
        "CONFIRM fz0 0123456789abcdef key=q-6", "AVAIL fz0 cat=vip", "AVAIL fz0 pit",
    ]

    let settings: Settings
    let target: Target

    init(_ settings: Settings, target: Target) {
        self.settings = settings
        self.target = target
    }

    func run() async throws -> Report {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let report = Shared(Report(seed: self.settings.seed))
        let deadline = ContinuousClock.now + .seconds(self.settings.seconds)
        // Set when the probe is done: the fuzzers and floods stop (a flood has happened by then).
        let stop = Shared(false)
        do {
            let probe = try await LineClient.connect(self.target, group: group)
            try await probe.ok("CREATE HALL probe-hall A=20")
            try await probe.ok("CREATE SESSION probe probe-hall")
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for index in 0..<self.settings.clients {
                    let seed = self.settings.seed &+ UInt64(index) &* 104_729
                    tasks.addTask { await self.fuzz(seed: seed, until: stop, group: group, report: report) }
                }
                tasks.addTask { await self.flood(until: stop, group: group, report: report) }
                do {
                    try await self.probe(probe, until: deadline, report: report)
                } catch {
                    stop.withLock { $0 = true }
                    throw error
                }
                stop.withLock { $0 = true }
                try await tasks.waitForAll()
            }
            // Every fuzzer closed its connections: the server must see them gone (the probe's stays).
            var connections = -1
            for _ in 0..<100 {
                let stats = try await probe.ok("STATS")
                connections =
                    Int(stats.split(separator: " ").first { $0.hasPrefix("connections=") }?.dropFirst(12) ?? "") ?? -1
                if connections == 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            if connections != 1 {
                report.withLock {
                    $0.failures.append(
                        "\(connections) connections open 10 s after the fuzzers closed theirs; expected the probe's alone"
                    )
                }
            }
            let map = try await probe.ok("MAP probe")
            if map != "OK A:...................." {
                report.withLock { $0.failures.append("the probe released everything it held, but MAP probe is \(map)") }
            }
            await probe.close()
        } catch {
            report.withLock { $0.failures.append("\(error)") }
        }
        try? await group.shutdownGracefully()
        return report.withLock { $0 }
    }

    /// The well-behaved client: PING, hold two seats, release them, over and over; every reply must be right and
    /// come within 10 s.
    private func probe(
        _ client: LineClient, until deadline: ContinuousClock.Instant, report: Shared<Report>
    ) async throws {
        var random = SplitMix64(seed: self.settings.seed)
        var rounds = 0
        while ContinuousClock.now < deadline || rounds < self.settings.minimumProbeRounds
            || report.withLock({ $0.floods == 0 })
        {
            rounds += 1
            let seat = 1 + random.below(19)
            let replies = try await Self.within(seconds: 10) {
                try await client.send(["PING", "HOLD probe p A\(seat) A\(seat + 1)"])
            }
            guard replies[0] == "OK PONG", replies[1].hasPrefix("OK "), replies[1].hasSuffix(" A\(seat) A\(seat + 1)")
            else {
                report.withLock { $0.failures.append("probe: PING and HOLD got \(replies)") }
                return
            }
            let hold = replies[1].split(separator: " ")[1]
            let release = try await Self.within(seconds: 10) { try await client.send(["RELEASE probe \(hold)"])[0] }
            guard release == "OK \(hold)" else {
                report.withLock { $0.failures.append("probe: RELEASE got \(release)") }
                return
            }
            report.withLock { $0.probeRequests += 3 }
        }
    }

    struct Timeout: Error, CustomStringConvertible {
        var description: String { "the probe got no reply within 10 s" }
    }

    static func within<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T
    {
        try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask { try await body() }
            tasks.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = try await tasks.next()!
            tasks.cancelAll()
            guard let value = first else { throw Timeout() }
            return value
        }
    }

    /// One fuzzing connection after another: bursts of mutated and random lines, sometimes cut mid-line, sometimes
    /// an overlong line, then a close (or an abrupt close with data unread).
    private func fuzz(seed: UInt64, until stop: Shared<Bool>, group: any EventLoopGroup, report: Shared<Report>) async {
        var random = SplitMix64(seed: seed)
        while !stop.withLock({ $0 }) {
            guard let channel = try? await Self.connect(self.target, group: group) else {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            report.withLock { $0.connections += 1 }
            var sent = 0
            for _ in 0..<(1 + random.below(20)) {
                var buffer = channel.allocator.buffer(capacity: 512)
                let lines = 1 + random.below(50)
                for _ in 0..<lines { buffer.writeBytes(Self.mutatedLine(&random)) }
                sent += lines
                if random.below(10) == 0 {
                    // Half a line, then the connection goes away.
                    buffer.writeString("HOLD fz0 ann A")
                    report.withLock { $0.cut += 1 }
                    try? await channel.writeAndFlush(buffer)
                    break
                }
                guard (try? await channel.writeAndFlush(buffer)) != nil else { break }
                if random.below(4) == 0 { try? await Task.sleep(for: .milliseconds(random.below(20))) }
            }
            try? await channel.close()
            report.withLock { $0.linesSent += sent }
        }
    }

    /// Now and then opens `flood` connections at once, holds them briefly and drops them.
    private func flood(until stop: Shared<Bool>, group: any EventLoopGroup, report: Shared<Report>) async {
        while !stop.withLock({ $0 }) {
            try? await Task.sleep(for: .milliseconds(500))
            var channels: [any Channel] = []
            for _ in 0..<self.settings.flood {
                if let channel = try? await Self.connect(self.target, group: group) { channels.append(channel) }
            }
            report.withLock {
                $0.floods += 1
                $0.connections += channels.count
            }
            try? await Task.sleep(for: .milliseconds(200))
            for channel in channels { try? await channel.close() }
        }
    }

    /// A raw connection whose replies are read and dropped.
    static func connect(_ target: Target, group: any EventLoopGroup) async throws -> any Channel {
        try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .connect(to: try target.address()).get()
    }

    /// A seed line with random mutations, or random bytes, ending in LF (sometimes CRLF).
    static func mutatedLine(_ random: inout SplitMix64) -> [UInt8] {
        var line: [UInt8]
        switch random.below(20) {
        case 0:
            line = (0..<random.below(200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }.filter { $0 != 10 }
        case 1:
            line = Array(repeating: UInt8(ascii: "A"), count: 4_000 + random.below(200))  // at and past the limit
        default:
            line = Array(Self.seeds[random.below(Self.seeds.count)].utf8)
            for _ in 0..<random.below(4) {
                guard !line.isEmpty else { break }
                let at = random.below(line.count)
                switch random.below(6) {
                case 0: line[at] ^= UInt8(1 << random.below(8))
                case 1: line.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                case 2: line.removeSubrange(at..<min(line.count, at + 1 + random.below(8)))
                case 3: line.insert(contentsOf: Array(" 99999999999999999999 ".utf8), at: at)
                case 4:
                    line.insert(contentsOf: Array(repeating: UInt8(ascii: " "), count: 1 + random.below(10)), at: at)
                default: line.insert(contentsOf: line[at...].prefix(30), at: at)
                }
            }
            line.removeAll { $0 == 10 }
        }
        if random.below(5) == 0 { line.append(13) }
        line.append(10)
        return line
    }
}
