import ArgumentParser
import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import SeatActors
import SeatdTestSupport

/// `seat-load steady`: closed-loop load over the wire protocol. C connections each keep D requests in flight
/// (D independent flows pipelined on one connection); each flow holds k random seats of a random session and then
/// releases them, or confirms and cancels them. Prints a progress line a second and a summary at the end.
struct SteadyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steady",
        abstract: "Closed-loop load on many sessions: hold k random seats, then release (or confirm and cancel).",
        discussion: """
            Creates a hall of --rows x --seats-per-row and --sessions sessions of it (ids prefixed with a random
            run id), opens --connections connections and keeps --depth requests in flight on each: --depth 1 is
            unpipelined request/reply, --depth 16 pipelines 16 deep. Each flow loops: HOLD <session> <customer>
            <k random seats>; on OK, RELEASE the hold, or with probability --confirm CONFIRM it and then CANCEL
            the booking, so seats always come back. A HOLD refused with TAKEN is a conflict, not an error.
            Replies in the first --warmup seconds are not counted. At the end every flow releases what it holds,
            the sessions are checked to be empty again and dropped (unless --keep).
            """)

    @Option(help: "The server: seatd://host:port or redis://host:port (the Redis script, see --help of seat-load).")
    var target = Target(argument: "seatd://127.0.0.1:7070")!
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var tls: TLSOptions
    @Option(help: "AUTH token (admin, to create the sessions), when the server has auth on.")
    var token: String?
    @Option(help: "Connections.")
    var connections = 50
    @Option(help: "Requests in flight per connection (1 = no pipelining).")
    var depth = 1
    @Option(help: "Seconds to measure, after the warm-up.")
    var seconds = 10.0
    @Option(help: "Seconds of warm-up, not counted.")
    var warmup = 1.0
    @Option(help: "Sessions, all of one hall.")
    var sessions = 100
    @Option(help: "Rows in the hall.")
    var rows = 20
    @Option(help: "Seats per row.")
    var seatsPerRow = 25
    @Option(help: "Seats per HOLD (k).")
    var seatsPerHold = 2
    @Option(help: "Probability that a held hold is confirmed (then cancelled) instead of released.")
    var confirm = 0.0
    @Option(
        help: "HOLD BEST k with these options (\"\" for none, \"cat=vip orphans=avoid\") instead of k random seats.")
    var best: String?
    @Flag(help: "Give the hall a VIP category (every other row), for --best \"cat=vip ...\" (seatd only).")
    var venue = false
    @Option(
        help: """
            Who sends the requests: "lines" (seat-load's own connections) or "client" (SeatdClient's typed \
            methods: connections x depth tasks over a pool of --connections connections; seatd only, no --best).
            """)
    var driver = SteadyDriver.lines
    @Option(help: "Seed of the seat choices: the same seed sends the same requests.")
    var seed: UInt64 = 1
    @Option(help: "Event-loop threads of the load generator.")
    var threads = 1
    @Flag(help: "Keep the sessions after the run instead of dropping them.")
    var keep = false
    @Option(help: "Write a JSON summary to this file ('-' for standard output).")
    var json: String?
    @Option(help: "Write the latency percentile distribution (HdrHistogram text, microseconds) to this file.")
    var histogram: String?

    func validate() throws {
        guard self.connections >= 1, self.depth >= 1, self.sessions >= 1, self.rows >= 1, self.seatsPerRow >= 1
        else { throw ValidationError("connections, depth, sessions, rows and seats per row must be at least 1") }
        guard (1...self.rows * self.seatsPerRow).contains(self.seatsPerHold) else {
            throw ValidationError(
                "--seats-per-hold must be between 1 and the hall's \(self.rows * self.seatsPerRow) seats")
        }
        guard (0...1).contains(self.confirm) else { throw ValidationError("--confirm is a probability, 0...1") }
        if self.driver == .client {
            guard self.target.kind == .seatd, self.cluster.settings == nil, self.best == nil, self.target.tls == nil
            else { throw ValidationError("--driver client runs on one seatd, without --best or TLS") }
        }
        guard self.seconds > 0, self.warmup >= 0, self.threads >= 1 else {
            throw ValidationError("--seconds must be above 0, --warmup at least 0, --threads at least 1")
        }
    }

    func run() async throws {
        var command = self
        command.target = try self.tls.applied(to: self.target)
        let ready = command
        try await LoadRun.withGroup(threads: self.threads) { try await ready.run(on: $0) }
    }

    func run(on group: MultiThreadedEventLoopGroup) async throws {
        var hall = LoadHall(id: "load-\(self.rows)x\(self.seatsPerRow)", rows: self.rows, seatsPerRow: self.seatsPerRow)
        if self.venue {
            let vip = stride(from: 0, to: self.rows, by: 2).map {
                "\(RowSpec.label(forRowIndex: $0))1-\(RowSpec.label(forRowIndex: $0))\(self.seatsPerRow)"
            }
            hall = LoadHall(
                id: hall.id + "-vip", rows: self.rows, seatsPerRow: self.seatsPerRow,
                parts: ["cat:vip=" + vip.joined(separator: ",")])
        }
        let setUp = try await LoadRun.setUp(
            self.target, token: self.token, hall: hall, prefix: "load",
            count: self.sessions, cluster: self.cluster.settings, group: group)
        let (admin, sessions) = (setUp.admin, setUp.sessions)

        var shape = SteadyFlow.Shape(
            sessions: sessions, seats: hall.seats, seatsPerHold: self.seatsPerHold,
            confirmRatio: self.confirm)
        shape.best = self.best
        let now = LoadClock.nowNs
        let measureFrom = now + UInt64(self.warmup * 1e9)
        let progress = LoadProgress(measureFromNs: measureFrom)
        let stopAt = measureFrom + UInt64(self.seconds * 1e9)
        say(
            "steady: \(self.cluster.settings?.description ?? self.target.description), \(self.connections) connections x \(self.depth) deep, \(self.sessions) sessions x "
                + "\(hall.capacity) seats, \(self.seatsPerHold) seats per hold"
                + (self.best.map { " (BEST\($0.isEmpty ? "" : " " + $0))" } ?? "") + ", confirm \(self.confirm), "
                + "\(self.warmup) s warm-up + \(self.seconds) s, driver \(self.driver.rawValue)")
        let (total, failures) = try await self.drive(
            shape: shape, setUp: setUp, group: group, measureFrom: measureFrom, stopAt: stopAt, progress: progress)
        say(total.summary(title: "summary (\(self.seconds) s measured)", seconds: self.seconds))
        if self.cluster.settings != nil { say(total.cluster.summary) }
        for failure in failures { say("connection failed: \(failure)") }
        try await Self.checkEmpty(sessions, admin: admin)
        if !self.keep {
            for reply in try await admin.send(sessions.map { "DROP SESSION \($0)" }) where !reply.hasPrefix("OK") {
                say("drop: \(reply)")
            }
        }
        await admin.close()
        try self.write(total)
        if !failures.isEmpty { throw ExitCode.failure }
    }

    /// Runs the flows (seat-load's own connections, or SeatdClient with `--driver client`): the merged result and
    /// the failed connections.
    func drive(
        shape: SteadyFlow.Shape, setUp: LoadRun.SetUp, group: MultiThreadedEventLoopGroup, measureFrom: UInt64,
        stopAt: UInt64, progress: LoadProgress
    ) async throws -> (LoadResult, [String]) {
        if self.driver == .client {
            let reporter = LoadRun.reportEverySecond(progress)
            let total = await ClientSteady(
                shape: shape, host: self.target.host, port: self.target.port, token: self.token,
                connections: self.connections, depth: self.depth, seed: self.seed
            ).run(group: group, measureFromNs: measureFrom, stopAtNs: stopAt, progress: progress)
            LoadRun.finishReport(reporter, progress)
            return (total, [])
        }
        let flows = (0..<self.connections).map { connection in
            // Many shards: the connection's flows work on one shard's sessions.
            var shape = shape
            if let plan = setUp.plan { shape.sessions = plan.group(ofConnection: connection).sessions }
            return (0..<self.depth).map { flow in
                SteadyFlow(
                    shape: shape, customer: "c\(connection)-\(flow)",
                    seed: self.seed &+ UInt64(connection * self.depth + flow) &* 0x9E37_79B9)
            }
        }
        let outcomes = try await LoadRun.start(
            flows, target: self.target, wire: setUp.admin.wire, token: self.token,
            group: group, measureFromNs: measureFrom, stopAtNs: stopAt,
            progress: progress, cluster: self.cluster.settings, plan: setUp.plan)
        let reporter = LoadRun.reportEverySecond(progress)
        let (total, _, failures) = await LoadRun.collect(outcomes)
        LoadRun.finishReport(reporter, progress)
        return (total, failures)
    }

    /// Every flow released what it held: the sessions must be empty again.
    static func checkEmpty(_ sessions: [String], admin: any LineSender) async throws {
        let replies = try await admin.send(sessions.map { "AVAIL \($0)" })
        let left = zip(sessions, replies).filter { !$0.1.contains(" held=0 sold=0") }
        if left.isEmpty {
            say("check: all \(sessions.count) sessions are empty again")
        } else {
            say("check: \(left.count) sessions still hold seats, e.g. \(left[0].0): \(left[0].1)")
        }
    }

    func write(_ total: LoadResult) throws {
        if let path = self.json {
            let scenario = self.depth == 1 ? "steady" : "steady, \(self.depth) deep"
            let summary = total.json(
                scenario: scenario, target: self.cluster.settings?.description ?? self.target.description,
                seconds: self.seconds,
                extra: [
                    "parameters": [
                        "connections": "\(self.connections)", "depth": "\(self.depth)",
                        "sessions": "\(self.sessions)", "seats_per_hold": "\(self.seatsPerHold)",
                        "confirm": "\(self.confirm)",
                    ]
                ])
            if path == "-" {
                print(summary)
            } else {
                try summary.write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
        if let path = self.histogram { try total.writeHistogram(to: path) }
    }
}

/// Who sends the steady workload's requests.
enum SteadyDriver: String, ExpressibleByArgument, Sendable {
    case lines, client
}

extension LoadResult {
    /// A one-object JSON summary of a run; `extra` adds (or overrides) fields.
    func json(scenario: String, target: String, seconds: Double, extra: [String: Any]) -> String {
        var object: [String: Any] = [
            "scenario": scenario, "target": target, "seconds": seconds,
            "requests": self.requests, "requests_per_second": Double(self.requests) / seconds,
            "conflicts": self.conflicts, "errors": self.errors,
        ]
        for kind in RequestKind.allCases { object["replies_" + kind.name.lowercased()] = self.replies[kind.rawValue] }
        for (name, percentile) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p999", 99.9), ("max", 100.0)] {
            object["latency_\(name)_us"] = self.microseconds(atPercentile: percentile)
        }
        if self.cluster != ClusterCounts() {
            object["cluster"] = [
                "moved": self.cluster.moved, "tryagain": self.cluster.tryAgain,
                "reconnects": self.cluster.reconnects, "indeterminate": self.cluster.resent,
            ]
        }
        object.merge(extra) { $1 }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes the latency percentile distribution (HdrHistogram's text format, microseconds).
    func writeHistogram(to path: String) throws {
        var text = ""
        self.latencyNs.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1_000)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
