import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SeatdTestSupport

/// `seat-load open`: a fixed arrival rate, for latency under load without coordinated omission.
struct OpenBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open-loop load at fixed request rates: latency under load, without coordinated omission.",
        discussion: """
            Sends --rate requests per second in all, spread evenly over --connections connections, on a fixed
            schedule that does not wait for replies. Latency is measured from the moment each request was due, so
            a stalled server is charged for every request it delayed (HdrHistogram). The requests are the steady
            scenario's: HOLD k random seats of a random session, then RELEASE (or, with --confirm, CONFIRM and
            CANCEL). Give several rates (--rate 10000,20000,40000) for a latency-under-load curve: each runs for
            --warmup + --seconds and the table at the end has one row per rate. Slots that find every flow of
            their connection waiting (over --flows-max) are counted as CLIENT_BEHIND errors.
            """)

    @Option(help: "The server: seatd://host:port or redis://host:port.")
    var target = Target(argument: "seatd://127.0.0.1:7070")!
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var tls: TLSOptions
    @Option(help: "AUTH token (admin, to create the sessions), when the server has auth on.")
    var token: String?
    @Option(help: "Requests per second, in all; a comma-separated list runs each in turn.")
    var rate = "10000"
    @Option(help: "Connections.")
    var connections = 50
    @Option(help: "Seconds to measure at each rate, after the warm-up.")
    var seconds = 10.0
    @Option(help: "Seconds of warm-up at each rate, not counted.")
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
    @Option(help: "Flows one connection may have waiting for replies.")
    var flowsMax = 10_000
    @Option(help: "Seed of the seat choices.")
    var seed: UInt64 = 1
    @Option(help: "Event-loop threads of the load generator.")
    var threads = 1
    @Option(help: "Write a JSON summary (an array, one object per rate) to this file ('-' for standard output).")
    var json: String?
    @Option(help: "Write the latency percentile distribution of the last rate (HdrHistogram text, us) to this file.")
    var histogram: String?

    var rates: [Double] { self.rate.split(separator: ",").compactMap { Double($0) } }

    func validate() throws {
        guard !self.rates.isEmpty, self.rates.count == self.rate.split(separator: ",").count,
            self.rates.allSatisfy({ $0 > 0 })
        else { throw ValidationError("--rate is a positive number or a comma-separated list of them") }
        guard self.connections >= 1, self.sessions >= 1, self.rows >= 1, self.seatsPerRow >= 1, self.flowsMax >= 1,
            self.threads >= 1
        else {
            throw ValidationError("connections, sessions, rows, seats per row, flows and threads must be at least 1")
        }
        guard (1...self.rows * self.seatsPerRow).contains(self.seatsPerHold) else {
            throw ValidationError("--seats-per-hold must be between 1 and the hall's seats")
        }
        guard (0...1).contains(self.confirm), self.seconds > 0, self.warmup >= 0 else {
            throw ValidationError("--confirm is a probability; --seconds must be above 0, --warmup at least 0")
        }
    }

    func run() async throws {
        var command = self
        command.target = try self.tls.applied(to: self.target)
        let ready = command
        try await LoadRun.withGroup(threads: self.threads) { try await ready.run(on: $0) }
    }

    func run(on group: MultiThreadedEventLoopGroup) async throws {
        let hall = LoadHall(id: "load-\(self.rows)x\(self.seatsPerRow)", rows: self.rows, seatsPerRow: self.seatsPerRow)
        let setUp = try await LoadRun.setUp(
            self.target, token: self.token, hall: hall, prefix: "open",
            count: self.sessions, cluster: self.cluster.settings, group: group)
        let (admin, sessions) = (setUp.admin, setUp.sessions)
        let shape = SteadyFlow.Shape(
            sessions: sessions, seats: hall.seats, seatsPerHold: self.seatsPerHold,
            confirmRatio: self.confirm)
        var rows: [(rate: Double, result: LoadResult)] = []
        var failed = false
        for rate in self.rates {
            say(
                "open: \(self.cluster.settings?.description ?? self.target.description), \(Int(rate)) requests/s over \(self.connections) connections, \(self.sessions) "
                    + "sessions x \(hall.capacity) seats, \(self.seatsPerHold) seats per hold, \(self.warmup) s warm-up + \(self.seconds) s"
            )
            let (result, failures) = try await self.measure(
                rate: rate, shape: shape, plan: setUp.plan, wire: admin.wire, group: group)
            say(
                result.summary(
                    title: "summary at \(Int(rate)) requests/s (\(self.seconds) s measured)", seconds: self.seconds))
            if self.cluster.settings != nil { say(result.cluster.summary) }
            for failure in failures { say("connection failed: \(failure)") }
            failed = failed || !failures.isEmpty
            rows.append((rate, result))
        }
        say(Self.curve(rows, seconds: self.seconds))
        try await SteadyBenchmark.checkEmpty(sessions, admin: admin)
        for reply in try await admin.send(sessions.map { "DROP SESSION \($0)" }) where !reply.hasPrefix("OK") {
            say("drop: \(reply)")
        }
        await admin.close()
        try self.write(rows)
        if failed { throw ExitCode.failure }
    }

    private func measure(
        rate: Double, shape: SteadyFlow.Shape, plan: ShardPlan?, wire: Wire, group: MultiThreadedEventLoopGroup
    )
        async throws -> (LoadResult, [String])
    {
        let start = LoadClock.nowNs + 100_000_000
        let measureFrom = start + UInt64(self.warmup * 1e9)
        let progress = LoadProgress(measureFromNs: measureFrom)
        let stopAt = measureFrom + UInt64(self.seconds * 1e9)
        let intervalNs = 1e9 * Double(self.connections) / rate
        var finished: [EventLoopFuture<ConnectionOutcome<SteadyFlow>>] = []
        for connection in 0..<self.connections {
            let loop = group.next()
            let done = loop.makePromise(of: ConnectionOutcome<SteadyFlow>.self)
            finished.append(done.futureResult)
            let seed = self.seed &+ UInt64(connection) &* 0x9E37_79B9_7F4A_7C15
            // Connections start a fraction of an interval apart, so the schedule is even overall.
            let offset = UInt64(intervalNs * Double(connection) / Double(self.connections))
            let flowsMax = self.flowsMax
            // Many shards: the connection works on one shard's sessions, starting at its primary.
            var connectionShape = shape
            if let plan { connectionShape.sessions = plan.group(ofConnection: connection).sessions }
            let shape = connectionShape
            let cluster = self.cluster.settings?.starting(at: plan?.group(ofConnection: connection).shard.primary)
            let makeHandler = { @Sendable in
                OpenConnection(
                    makeFlow: { index in
                        SteadyFlow(shape: shape, customer: "o\(connection)-\(index)", seed: seed &+ UInt64(index))
                    }, wire: wire, startNs: start + offset, intervalNs: intervalNs, measureFromNs: measureFrom,
                    stopAtNs: stopAt, flowsMax: flowsMax, progress: progress, done: done, cluster: cluster)
            }
            if cluster != nil {
                makeHandler().start(on: loop)
            } else {
                try await LoadRun.connect(self.target, on: loop, makeHandler)
            }
        }
        let reporter = LoadRun.reportEverySecond(progress)
        let (total, _, failures) = await LoadRun.collect(finished)
        LoadRun.finishReport(reporter, progress)
        return (total, failures)
    }

    /// One row per rate: asked, achieved, percentiles, conflicts, errors.
    static func curve(_ rows: [(rate: Double, result: LoadResult)], seconds: Double) -> String {
        var lines = [
            "latency under load (us, from when each request was due)",
            zip(
                ["rate", "achieved", "p50", "p90", "p99", "p99.9", "max", "conflicts", "errors"],
                [10, 10, 10, 10, 10, 10, 10, 9, 7]
            )
            .map { String(repeating: " ", count: $1 - $0.count) + $0 }.joined(separator: " "),
        ]
        for (rate, result) in rows {
            lines.append(
                String(
                    format: "%10.0f %10.0f %10.1f %10.1f %10.1f %10.1f %10.1f %9d %7d", rate,
                    Double(result.requests) / seconds, result.microseconds(atPercentile: 50),
                    result.microseconds(atPercentile: 90), result.microseconds(atPercentile: 99),
                    result.microseconds(atPercentile: 99.9), result.microseconds(atPercentile: 100),
                    result.conflicts, result.errorCount))
        }
        return lines.joined(separator: "\n")
    }

    func write(_ rows: [(rate: Double, result: LoadResult)]) throws {
        if let path = self.json {
            let objects = rows.map { row in
                row.result.json(
                    scenario: "open", target: self.cluster.settings?.description ?? self.target.description,
                    seconds: self.seconds,
                    extra: [
                        "rate": row.rate,
                        "parameters": [
                            "connections": "\(self.connections)",
                            "sessions": "\(self.sessions)",
                            "seats_per_hold": "\(self.seatsPerHold)",
                        ],
                    ])
            }
            let text = "[" + objects.joined(separator: ",") + "]"
            if path == "-" { print(text) } else { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        }
        if let path = self.histogram, let last = rows.last { try last.result.writeHistogram(to: path) }
    }
}
