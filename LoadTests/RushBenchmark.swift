import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SeatActors

/// `seat-load rush`: a premiere on-sale. Buyers arrive at once and fight for one hall until it is sold out.
struct RushBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rush",
        abstract: "A premiere: many buyers at once ask for the best k seats of one hall until it is sold out.",
        discussion: """
            Creates a hall of --rows x --seats-per-row and --sessions sessions of it (hold lifetime --ttl seconds),
            then --buyers buyers arrive at once over --connections connections (the buyers of a connection are
            pipelined on it). Each buyer sends HOLD <session> <buyer> BEST k ttl=<ttl> with k drawn from
            1...--max-seats; with a hold it confirms it (probability --confirm), releases it (--release), or walks
            away and lets it lapse (the rest); then a new buyer takes its place. SOLD_OUT and NO_ADJACENT are
            conflicts. The run ends when every session is sold out (AVAIL shows no free and no held seat), or
            after --max-seconds. Reports the time to sell out, successful holds per second, conflicts and latency,
            then checks that each session's sold seats (MAP) are exactly the union of the confirmed holds, with no
            seat in two of them; a failed check exits non-zero.

            --categories rehearses a premiere with a VIP category (the middle rows), wheelchair places (both ends of the
            first row) and their buyers: a quarter ask BEST k cat=vip, one in ten ANY 1 flag=wheelchair. --ga <n>
            adds a standing area of n places that a quarter of the buyers ask for (standing:k); the check then also
            compares the places AVAIL shows sold with the confirmed holds' places.
            """)

    @Option(help: "The server: seatd://host:port or redis://host:port.")
    var target = Target(argument: "seatd://127.0.0.1:7070")!
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var tls: TLSOptions
    @Option(help: "AUTH token (admin, to create the sessions), when the server has auth on.")
    var token: String?
    @Option(help: "Buyers in the rush at any moment (all arrive at once).")
    var buyers = 2_000
    @Option(help: "Connections the buyers share.")
    var connections = 50
    @Option(help: "Sessions of the hall on sale at once.")
    var sessions = 1
    @Option(help: "Rows in the hall.")
    var rows = 20
    @Option(help: "Seats per row.")
    var seatsPerRow = 25
    @Option(help: "The most seats one buyer asks for (k is drawn from 1...max).")
    var maxSeats = 6
    @Option(help: "Seconds a hold lives before it lapses (walk-aways come back after this).")
    var ttl = 2
    @Option(help: "Probability that a buyer with a hold confirms it.")
    var confirm = 0.6
    @Option(help: "Probability that a buyer with a hold releases it (the rest walk away).")
    var release = 0.2
    @Option(help: "Give up after this many seconds if the sessions are not sold out.")
    var maxSeconds = 60.0
    @Option(help: "Seed of the buyers' choices.")
    var seed: UInt64 = 1
    @Flag(help: "A VIP category and wheelchair places, and buyers who ask for them (seatd only).")
    var categories = false
    @Option(help: "Places of a standing (GA) area, and buyers who ask for them (seatd only; 0: none).")
    var ga = 0
    @Option(help: "Event-loop threads of the load generator.")
    var threads = 1
    @Flag(help: "Keep the sessions after the run instead of dropping them.")
    var keep = false
    @Option(help: "Write a JSON summary to this file ('-' for standard output).")
    var json: String?
    @Option(help: "Write the latency percentile distribution (HdrHistogram text, microseconds) to this file.")
    var histogram: String?

    func validate() throws {
        guard self.buyers >= 1, self.connections >= 1, self.sessions >= 1, self.rows >= 1, self.seatsPerRow >= 1,
            self.threads >= 1
        else {
            throw ValidationError("buyers, connections, sessions, rows, seats per row and threads must be at least 1")
        }
        guard (1...self.seatsPerRow).contains(self.maxSeats) else {
            throw ValidationError("--max-seats must be between 1 and --seats-per-row")
        }
        guard self.confirm >= 0, self.release >= 0, self.confirm + self.release <= 1 else {
            throw ValidationError("--confirm and --release are probabilities that add up to at most 1")
        }
        guard self.ttl >= 1, self.maxSeconds > 0 else {
            throw ValidationError("--ttl must be at least 1, --max-seconds above 0")
        }
        guard self.ga >= 0, self.ga <= 1_000_000 else { throw ValidationError("--ga must be 0 to 1000000 places") }
        guard (!self.categories && self.ga == 0) || self.target.kind == .seatd else {
            throw ValidationError("--categories and --ga need a seatd target: the Redis script has no hall model")
        }
    }

    func run() async throws {
        var command = self
        command.target = try self.tls.applied(to: self.target)
        let ready = command
        let passed = try await LoadRun.withGroup(threads: self.threads) { try await ready.run(on: $0) }
        if !passed { throw ExitCode.failure }
    }

    /// Runs the rush; false when a connection failed or the check did not pass.
    func run(on group: MultiThreadedEventLoopGroup) async throws -> Bool {
        var hall = LoadHall(id: "load-\(self.rows)x\(self.seatsPerRow)", rows: self.rows, seatsPerRow: self.seatsPerRow)
        if self.categories {
            let middle = (self.rows / 2 - max(self.rows / 10, 1))..<(self.rows / 2 + max(self.rows / 10, 1))
            let vip = middle.clamped(to: 0..<self.rows).map {
                "\(RowSpec.label(forRowIndex: $0))1-\(RowSpec.label(forRowIndex: $0))\(self.seatsPerRow)"
            }
            hall.parts.append("cat:vip=" + vip.joined(separator: ","))
            hall.parts.append("flag:wheelchair=A1,A\(self.seatsPerRow)")
        }
        if self.ga > 0 { hall.parts.append("ga:standing=\(self.ga)") }
        if !hall.parts.isEmpty {
            // Another id per shape: an existing hall of the same id is reused as it is.
            let shape = (self.categories ? "-cat" : "") + (self.ga > 0 ? "-ga\(self.ga)" : "")
            hall = LoadHall(id: hall.id + shape, rows: hall.rows, seatsPerRow: hall.seatsPerRow, parts: hall.parts)
        }
        let setUp = try await LoadRun.setUp(
            self.target, token: self.token, hall: hall, prefix: "rush",
            count: self.sessions, options: " ttl=\(self.ttl)", cluster: self.cluster.settings, group: group)
        let (admin, sessions) = (setUp.admin, setUp.sessions)

        let shape = RushFlow.Shape(
            sessions: sessions, seatsMax: self.maxSeats, ttlSeconds: self.ttl,
            confirm: self.confirm, release: self.release, categories: self.categories,
            area: self.ga > 0 ? "standing" : nil)
        let flows = (0..<self.connections).map { connection in
            // Many shards: the connection's buyers stay on one shard's sessions (and its primary).
            var shape = shape
            if let plan = setUp.plan { shape.sessions = plan.group(ofConnection: connection).sessions }
            return stride(from: connection, to: self.buyers, by: self.connections).map { buyer in
                RushFlow(shape: shape, slot: "b\(buyer)", seed: self.seed &+ UInt64(buyer) &* 0x9E37_79B9)
            }
        }.filter { !$0.isEmpty }
        say(
            "rush: \(self.cluster.settings?.description ?? self.target.description), \(self.buyers) buyers over \(flows.count) connections, \(self.sessions) x "
                + "\(hall.capacity) seats, BEST 1...\(self.maxSeats), ttl \(self.ttl) s, confirm \(self.confirm), "
                + "release \(self.release), walk away \(Self.format(1 - self.confirm - self.release))")
        let stop = StopSignal()
        let started = LoadClock.nowNs
        let progress = LoadProgress(measureFromNs: started)
        let outcomes = try await LoadRun.start(
            flows, target: self.target, wire: admin.wire, token: self.token,
            group: group, measureFromNs: started,
            stopAtNs: started + UInt64(self.maxSeconds * 1e9), stop: stop,
            progress: progress, cluster: self.cluster.settings, plan: setUp.plan)
        let reporter = LoadRun.reportEverySecond(progress)
        // Sold out: no session has a free or held seat left.
        // All taken: no session has a free seat (some may still be held, and come back if their buyer walks away).
        var soldOutNs: UInt64? = nil
        var allTakenNs: UInt64? = nil
        while LoadClock.nowNs < started + UInt64(self.maxSeconds * 1e9) {
            let replies = try await admin.send(sessions.map { "AVAIL \($0)" })
            if allTakenNs == nil, replies.allSatisfy({ $0.hasPrefix("OK free=0 ") }) { allTakenNs = LoadClock.nowNs }
            if replies.allSatisfy({ $0.hasPrefix("OK free=0 held=0 ") }) {
                soldOutNs = LoadClock.nowNs
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        stop.stop()
        let (total, ended, failures) = await LoadRun.collect(outcomes)
        let seconds = Double((soldOutNs ?? LoadClock.nowNs) - started) / 1e9
        LoadRun.finishReport(reporter, progress)

        var sold: [String: Set<String>] = [:]
        for (session, reply) in zip(sessions, try await admin.send(sessions.map { "MAP \($0)" })) {
            sold[session] = try RushCheck.soldSeats(map: reply)
        }
        var placesSold: [String: [String: Int]]? = nil
        if self.ga > 0 {
            placesSold = [:]
            for (session, reply) in zip(sessions, try await admin.send(sessions.map { "AVAIL \($0) standing" })) {
                guard let field = reply.split(separator: " ").first(where: { $0.hasPrefix("sold=") }),
                    let count = Int(field.dropFirst(5))
                else { throw LoadError("AVAIL: \(reply)") }
                placesSold![session] = ["standing": count]
            }
        }
        let report = RushCheck.verify(bookings: ended.flatMap(\.confirmed), sold: sold, placesSold: placesSold)
        var outcome = RushOutcome(flows: ended, seconds: seconds, soldOut: soldOutNs != nil, report: report)
        outcome.allTakenSeconds = allTakenNs.map { Double($0 - started) / 1e9 }
        say(total.summary(title: "summary (\(String(format: "%.2f", seconds)) s)", seconds: seconds))
        say(outcome.summary)
        if self.cluster.settings != nil { say(total.cluster.summary) }
        for failure in failures { say("connection failed: \(failure)") }
        say(report.description)
        if !self.keep {
            for reply in try await admin.send(sessions.map { "DROP SESSION \($0)" }) where !reply.hasPrefix("OK") {
                say("drop: \(reply)")
            }
        }
        await admin.close()
        try self.write(total, outcome)
        return failures.isEmpty && report.passed
    }

    static func format(_ value: Double) -> String { String(format: "%.2g", value) }

    func write(_ total: LoadResult, _ outcome: RushOutcome) throws {
        if let path = self.json {
            var extra = outcome.jsonFields
            extra["parameters"] = [
                "buyers": "\(self.buyers)", "connections": "\(self.connections)",
                "sessions": "\(self.sessions)", "seats": "\(self.rows * self.seatsPerRow)",
                "max_seats": "\(self.maxSeats)", "ttl": "\(self.ttl)",
                "confirm": "\(self.confirm)", "release": "\(self.release)",
            ]
            let summary = total.json(
                scenario: "rush", target: self.cluster.settings?.description ?? self.target.description,
                seconds: outcome.seconds,
                extra: extra)
            if path == "-" {
                print(summary)
            } else {
                try summary.write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
        if let path = self.histogram { try total.writeHistogram(to: path) }
    }
}

/// What the rush's buyers did, summed over every buyer slot.
struct RushOutcome {
    var holds = 0
    var confirmed = 0
    var confirmedSeats = 0
    var released = 0
    var walkedAway = 0
    var seconds: Double
    /// Seconds until no seat was free for the first time.
    var allTakenSeconds: Double?
    var soldOut: Bool
    var report: RushCheck.Report

    init(flows: [RushFlow], seconds: Double, soldOut: Bool, report: RushCheck.Report) {
        for flow in flows {
            self.holds += flow.holds
            self.confirmed += flow.confirmed.count
            // Seats, and GA places (`standing:3`) by their count.
            self.confirmedSeats += flow.confirmed.flatMap(\.seats).reduce(0) { total, item in
                total + (item.split(separator: ":").last.flatMap { item.contains(":") ? Int($0) : nil } ?? 1)
            }
            self.released += flow.released
            self.walkedAway += flow.walkedAway
        }
        self.seconds = seconds
        self.soldOut = soldOut
        self.report = report
    }

    var summary: String {
        [
            LoadResult.row("time to all taken", self.allTakenSeconds.map { String(format: "%.3f s", $0) } ?? "never"),
            LoadResult.row(
                self.soldOut ? "time to sell out" : "not sold out after", String(format: "%.3f s", self.seconds)),
            LoadResult.row("holds/s", String(format: "%.0f", Double(self.holds) / self.seconds)),
            LoadResult.row("holds", "\(self.holds)"),
            LoadResult.row("  confirmed", "\(self.confirmed)"),
            LoadResult.row("  released", "\(self.released)"),
            LoadResult.row("  walked away", "\(self.walkedAway)"),
            LoadResult.row("seats and places confirmed", "\(self.confirmedSeats)"),
        ].joined(separator: "\n")
    }

    var jsonFields: [String: Any] {
        [
            "sold_out": self.soldOut, "time_to_sell_out_s": self.seconds,
            "time_to_all_taken_s": self.allTakenSeconds ?? -1, "holds": self.holds,
            "holds_per_second": Double(self.holds) / self.seconds, "confirmed": self.confirmed,
            "released": self.released, "walked_away": self.walkedAway, "oversold": self.report.oversold.count,
            "lost": self.report.lost.count, "unexplained": self.report.unexplained.count,
            "check_passed": self.report.passed,
        ]
    }
}
