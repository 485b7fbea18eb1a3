import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SeatActors
import SeatdTestSupport
import Store
import WAL

/// `seat-load crash`: the crash loop. Starts the real seatd, drives concurrent clients (listed holds, BEST,
/// confirms, releases, cancels, maps), kills seatd with SIGKILL at a random moment (or lets an armed failpoint
/// kill it), restarts it and checks, then repeats; at the end it runs the seat checker over every request and
/// reply of the whole run.
struct CrashTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "Kill seatd again and again under concurrent clients and check what they were told.",
        discussion: """
            Each cycle runs the clients for a random time up to --run-ms, then kills seatd with SIGKILL, restarts
            it and checks: the maps of every session and STATS agree, HOLDs repeated with their idempotency keys
            return their first reply byte for byte (same hold id, seats and absolute expiry), no hold id was
            given twice. Each client then sends again the request the kill left unanswered. With --failpoint
            seatd is started with SEATD_FAILPOINT=<name>@<n> (n random) and dies there by itself; "all" takes
            every failpoint in turn, --cycles runs each. After the last cycle seatd is stopped with SIGTERM and
            started once more, and the seat checker searches, per session, for an order of all operations that
            respects real time and explains every reply. Exits non-zero on any failure; the data directory and
            seatd's output are kept then.
            """)

    @Option(help: "Kill-and-restart cycles (per failpoint with --failpoint).") var cycles = 20
    @Option(help: "Concurrent clients.") var clients = 8
    @Option(help: "Sessions (each a hall of 4 rows of 8 seats).") var sessions = 4
    @Option(help: "Longest time the clients run in one cycle before the kill, in ms.") var runMs = 800
    @Option(help: "A failpoint name, or all; default: plain kill -9.") var failpoint: String?
    @Option(help: "The seatd binary (default: the one next to seat-load).") var seatd: String?
    @Option(help: "Seed of the clients' choices and the kill times (default: random, printed).") var seed: UInt64?

    func run() async throws {
        var settings = CrashLoop.Settings()
        settings.cycles = self.cycles
        settings.clients = self.clients
        settings.sessions = self.sessions
        settings.runMs = self.runMs
        settings.seatd = self.seatd ?? SeatdProcess.defaultBinary
        settings.seed = self.seed ?? UInt64.random(in: 1...UInt64.max >> 1)
        if let failpoint = self.failpoint {
            if failpoint == "all" {
                settings.failpoints = Failpoint.allCases
            } else if let point = Failpoint(rawValue: failpoint) {
                settings.failpoints = [point]
            } else {
                throw ValidationError(
                    "--failpoint: one of all, \(Failpoint.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let report = try await CrashLoop(settings, progress: say).run()
        say(report.summary)
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}

/// The crash loop itself, shared by `seat-load crash` and the test suite.
final class CrashLoop: @unchecked Sendable {
    struct Settings: Sendable {
        var cycles = 20
        var clients = 8
        var sessions = 4
        var runMs = 800
        /// Failpoints to arm, one after another, `cycles` times each; empty: plain kill -9.
        var failpoints: [Failpoint] = []
        var seatd = SeatdProcess.defaultBinary
        var seed: UInt64 = 1
        /// Hold ids to send again with their keys after each restart.
        var replaysPerCycle = 16
    }

    struct Report: Sendable {
        var seed: UInt64
        var cycles = 0
        var kills = 0
        /// Failpoint name -> (cycles it was armed, cycles it was reached).
        var failpoints: [String: (armed: Int, reached: Int)] = [:]
        var operations = 0
        var retried = 0
        var holds = 0
        var replays = 0
        var checkedSessions = 0
        var failures: [String] = []
        var data = ""

        var summary: String {
            var lines = [
                "crash loop, seed \(self.seed): \(self.cycles) cycles (\(self.kills) kill -9), \(self.operations) operations checked (\(self.retried) sent again after a crash), \(self.holds) holds, \(self.replays) key replays, \(self.checkedSessions) sessions explained by the seat checker"
            ]
            for (name, counts) in self.failpoints.sorted(by: { $0.key < $1.key }) {
                lines.append("  failpoint \(name): reached in \(counts.reached) of \(counts.armed) cycles")
            }
            if self.failures.isEmpty {
                lines.append("no failures")
            } else {
                lines.append("\(self.failures.count) FAILURES (data kept in \(self.data)):")
                lines += self.failures.map { "  " + $0 }
            }
            return lines.joined(separator: "\n")
        }
    }

    static let rows = ["A", "B", "C", "D"].map { (label: $0, count: 8) }
    /// Places of the hall's GA area `pit`; seats blocked and reserved for channel `box` in every session at the
    /// start, so the checker sees them kept across every kill.
    static let places = 12
    static let blocked = ["A1", "D8"]
    static let reserved = ["B1", "B2"]

    /// The checker's picture of the hall.
    static var layout: SeatChecker.Layout {
        var layout = SeatChecker.Layout(rows: Self.rows)
        layout.blocked = Set(Self.blocked.compactMap { layout.index($0[...]) })
        layout.reserved = Set(Self.reserved.compactMap { layout.index($0[...]) })
        layout.places = Self.places
        return layout
    }
    static let ttl = 3_600

    let settings: Settings
    let progress: @Sendable (String) -> Void
    private let coordinator = Coordinator()
    /// key -> (session, customer, first reply) of every HOLD answered OK.
    private let acknowledged = Shared<[String: (session: String, customer: String, reply: String)]>([:])
    private var report: Report
    private var history: [SeatChecker.Operation] = []
    private var environment: [String: String] = [:]
    /// Every seatd started, so none outlives the run whatever happens.
    private var started: [SeatdProcess] = []

    init(_ settings: Settings, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.progress = progress
        self.report = Report(seed: settings.seed)
    }

    var sessionIDs: [String] { (0..<self.settings.sessions).map { "s\($0)" } }

    func run() async throws -> Report {
        let data = TemporaryDirectory.path("crash")
        self.report.data = data
        // Small segments and frequent snapshots, so rolls, snapshots and segment deletes happen in every cycle.
        self.environment = [
            "SEATD_LOG_SEGMENT_BYTES": "65536", "SEATD_SNAPSHOT_EVERY_RECORDS": "200", "SEATD_LOG_LEVEL": "info",
        ]
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await self.run(data: data, group: group)
        } catch {
            for process in self.started where process.isRunning { process.kill(SIGKILL) }
            try? await group.shutdownGracefully()
            throw error
        }
        for process in self.started where process.isRunning { process.kill(SIGKILL) }
        try? await group.shutdownGracefully()
        if self.report.failures.isEmpty { try? FileManager.default.removeItem(atPath: data) }
        return self.report
    }

    private func run(data: String, group: any EventLoopGroup) async throws {
        var random = SplitMix64(seed: self.settings.seed)

        var server = try await self.start(data: data)
        let admin = try await LineClient.connect(Target(argument: "127.0.0.1:\(server.port)")!, group: group)
        try await admin.ok(
            "CREATE HALL h " + Self.rows.map { "\($0.label)=\($0.count)" }.joined(separator: " ")
                + " ga:pit=\(Self.places)")
        for session in self.sessionIDs {
            try await admin.ok("CREATE SESSION \(session) h ttl=\(Self.ttl)")
            try await admin.ok("BLOCK \(session) " + Self.blocked.joined(separator: " "))
            try await admin.ok("RESERVE \(session) box " + Self.reserved.joined(separator: " "))
        }
        await admin.close()
        await self.coordinator.publish(port: server.port)

        let clients = (0..<self.settings.clients).map {
            CrashClient(
                id: $0, seed: self.settings.seed &+ UInt64($0) &* 7_919, sessions: self.sessionIDs,
                rows: Self.rows, acknowledged: self.acknowledged)
        }
        try await withThrowingTaskGroup(of: [SeatChecker.Operation].self) { tasks in
            for client in clients {
                tasks.addTask { await client.run(coordinator: self.coordinator, group: group) }
            }
            let plan =
                self.settings.failpoints.isEmpty
                ? Array(repeating: nil, count: self.settings.cycles)
                : self.settings.failpoints.flatMap { Array(repeating: Optional($0), count: self.settings.cycles) }
            for (cycle, point) in plan.enumerated() {
                server = try await self.cycle(
                    cycle, failpoint: point, server: server, data: data, group: group,
                    random: &random)
                if !self.report.failures.isEmpty { break }
            }
            await self.coordinator.stop()
            for try await operations in tasks { self.history += operations }
        }

        // A clean stop and start must change nothing either.
        self.history += try await self.maps(port: server.port, group: group)
        let status = server.process.isRunning ? server.process.kill(SIGTERM) : -1
        if status != 0 { self.report.failures.append("SIGTERM: seatd exited with \(status)") }
        server = try await self.start(data: data)
        self.history += try await self.maps(port: server.port, group: group)
        server.process.kill(SIGTERM)

        self.checkHistory()
        if !self.report.failures.isEmpty { self.saveHistory(to: data + "/history.txt") }
    }

    private func saveHistory(to path: String) { Self.write(self.history, to: path) }

    /// Every operation, one line each in start order: client, start, end, retried, request, reply.
    static func write(_ history: [SeatChecker.Operation], to path: String) {
        let lines = history.sorted { $0.start < $1.start }.map { operation in
            "\(operation.client)\t\(operation.start)\t\(operation.end)\t\(operation.retried)\t\(operation.request.line(session: operation.session))\t\(operation.reply)"
        }
        FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// One cycle: the clients run for a random time, seatd is killed with SIGKILL, restarted and checked while
    /// the clients wait, then they go on. With a failpoint, the restart is armed and the clients run until seatd
    /// dies there (at most 30 s), and it is restarted and checked again; the recovery failpoint is armed on a
    /// start of its own, which must die in replay and leave a directory the next start recovers.
    private func cycle(
        _ cycle: Int, failpoint: Failpoint?, server: (process: SeatdProcess, port: Int), data: String,
        group: any EventLoopGroup, random: inout SplitMix64
    ) async throws -> (process: SeatdProcess, port: Int) {
        var server = server
        var how = "kill -9"
        try await Task.sleep(for: .milliseconds(random.below(self.settings.runMs) + 1))
        server.process.kill(SIGKILL)
        await self.coordinator.pause()
        self.report.kills += 1
        if let failpoint {
            var reached: Bool
            if failpoint == .recovery {
                let armed = try SeatdProcess(
                    binary: self.settings.seatd, data: data,
                    environment: self.environment.merging(["SEATD_FAILPOINT": "recovery"]) { $1 })
                self.started.append(armed)
                reached = try await armed.listening() == nil
                if !reached { armed.kill(SIGKILL) }
                how += reached ? ", then a crash in recovery" : ", recovery failpoint not reached"
            } else {
                let hits = Self.hitRange(failpoint)
                let at = hits.lowerBound + random.below(hits.count)
                server = try await self.start(data: data, failpoint: "\(failpoint.rawValue)@\(at)")
                try await self.checkRestart(port: server.port, group: group)
                await self.coordinator.publish(port: server.port)
                reached = await server.process.exited(within: 30)
                if !reached { server.process.kill(SIGKILL) }
                await self.coordinator.pause()
                how +=
                    reached
                    ? ", then \(failpoint.rawValue)@\(at)"
                    : ", then \(failpoint.rawValue)@\(at) not reached in 30 s (kill -9)"
            }
            self.report.failpoints[failpoint.rawValue, default: (0, 0)].armed += 1
            if reached { self.report.failpoints[failpoint.rawValue, default: (0, 0)].reached += 1 }
        }
        let started = ContinuousClock.now
        server = try await self.start(data: data)
        let recovered = started.duration(to: .now)
        try await self.checkRestart(port: server.port, group: group)
        self.report.cycles += 1
        let ms = recovered.components.seconds * 1_000 + recovered.components.attoseconds / 1_000_000_000_000_000
        self.progress(
            "cycle \(cycle + 1): \(how); restarted in \(ms) ms; checks \(self.report.failures.isEmpty ? "passed" : "FAILED")"
        )
        await self.coordinator.publish(port: server.port)
        return server
    }

    /// Which hit of each failpoint to crash at: points on every batch are reached often, snapshot steps a few
    /// times a second.
    static func hitRange(_ point: Failpoint) -> ClosedRange<Int> {
        switch point {
        case .beforeBatchWrite, .afterBatchWrite, .beforeFsync, .afterFsync: 1...300
        case .segmentRoll, .snapshotWrite, .snapshotRename, .snapshotDirectoryFsync, .segmentDelete: 1...3
        case .recovery: 1...1
        }
    }

    private func start(data: String, failpoint: String? = nil) async throws -> (process: SeatdProcess, port: Int) {
        var environment = self.environment
        if let failpoint { environment["SEATD_FAILPOINT"] = failpoint }
        let process = try SeatdProcess(binary: self.settings.seatd, data: data, environment: environment)
        self.started.append(process)
        return (process, try await process.port())
    }

    /// The map of every session, recorded as operations of the history.
    private func maps(port: Int, group: any EventLoopGroup) async throws -> [SeatChecker.Operation] {
        try await Self.withClient(port: port, group: group) { client in
            var operations: [SeatChecker.Operation] = []
            for session in self.sessionIDs {
                let start = now()
                let reply = try await client.send(["MAP \(session)"])[0]
                operations.append(
                    SeatChecker.Operation(
                        client: -1, session: session, request: .map, start: start,
                        end: now(), reply: reply))
            }
            return operations
        }
    }

    static func withClient<Result>(
        port: Int, group: any EventLoopGroup, _ body: (LineClient) async throws -> Result
    ) async throws -> Result {
        let client = try await LineClient.connect(Target(argument: "127.0.0.1:\(port)")!, group: group)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// After a restart, before the clients go on: STATS agrees with the maps, and HOLDs sent again with their
    /// keys return their first replies byte for byte.
    private func checkRestart(port: Int, group: any EventLoopGroup) async throws {
        let maps = try await self.maps(port: port, group: group)
        self.history += maps
        try await Self.withClient(port: port, group: group) { client in try await self.check(maps, client: client) }
    }

    private func check(_ maps: [SeatChecker.Operation], client: LineClient) async throws {
        let cells = maps.flatMap {
            $0.reply.split(separator: " ").dropFirst().flatMap { $0.split(separator: ":").last ?? "" }
        }
        let stats = try await client.send(["STATS"])[0]
        let fields = Dictionary(
            stats.split(separator: " ").dropFirst().compactMap { field -> (String, Int)? in
                let parts = field.split(separator: "=")
                return parts.count == 2 ? (String(parts[0]), Int(parts[1]) ?? -1) : nil
            }, uniquingKeysWith: { $1 })
        let held = cells.count(where: { $0 == "h" })
        let sold = cells.count(where: { $0 == "x" })
        if fields["seats_held"] != held || fields["seats_sold"] != sold {
            self.report.failures.append(
                "STATS says seats_held=\(fields["seats_held"] ?? -1) seats_sold=\(fields["seats_sold"] ?? -1), the maps \(held) and \(sold)"
            )
        }
        let sample = self.acknowledged.withLock { Array($0).shuffled().prefix(self.settings.replaysPerCycle) }
        for (key, first) in sample {
            let reply = try await client.send(["HOLD \(first.session) \(first.customer) BEST 1 key=\(key)"])[0]
            self.report.replays += 1
            if reply != first.reply {
                self.report.failures.append(
                    "HOLD with key \(key) answered \(reply) after a restart; its first reply was \(first.reply)")
            }
        }
    }

    /// Hold ids unique over the run, then the seat checker per session.
    private func checkHistory() {
        self.report.operations = self.history.count
        self.report.retried = self.history.count(where: \.retried)
        let checked = SeatChecker(layout: Self.layout).check(history: self.history, sessions: self.sessionIDs)
        self.report.holds = checked.holds
        self.report.checkedSessions = checked.explained
        self.report.failures += checked.failures
    }
}

/// Nanoseconds of the monotonic clock every operation of a run is timed with.
func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Tells the clients where seatd listens and when to stop for a restart.
actor Coordinator {
    private var port = 0
    private var generation = 0
    private var paused = true
    private var stopped = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// seatd listens on `port`: clients (re)connect.
    func publish(port: Int) {
        self.port = port
        self.generation += 1
        self.paused = false
        for waiter in self.waiters { waiter.resume() }
        self.waiters.removeAll()
    }

    /// seatd is down: clients finish (or lose) the request in hand and wait.
    func pause() { self.paused = true }

    func stop() {
        self.stopped = true
        for waiter in self.waiters { waiter.resume() }
        self.waiters.removeAll()
    }

    /// True while the clients of `generation` may send.
    func running(_ generation: Int) -> Bool { !self.paused && !self.stopped && generation == self.generation }

    /// The port of a generation after `generation`, waiting for it; nil once the run stops and there is none (a
    /// client that lost a reply in the last cycle still gets the last port, to send its request again).
    func next(after generation: Int) async -> (port: Int, generation: Int)? {
        while !self.stopped && (self.paused || self.generation <= generation) {
            await withCheckedContinuation { self.waiters.append($0) }
        }
        return self.paused || self.generation <= generation ? nil : (self.port, self.generation)
    }
}

/// One client of the crash loop: one request at a time on its own connection, with keys on every HOLD; after a
/// crash it sends the unanswered request again. The failover run draws its clients' requests from it too
/// (`next()`, then `finish(_:reply:)` with the answer).
final class CrashClient: @unchecked Sendable {
    let id: Int
    private var random: SplitMix64
    let sessions: [String]
    let rows: [(label: String, count: Int)]
    let acknowledged: Shared<[String: (session: String, customer: String, reply: String)]>
    /// Every operation answered, in order.
    private(set) var history: [SeatChecker.Operation] = []
    /// This client's holds: (session, id, sold, pieces: the items each reply gave it).
    private(set) var holds: [(session: String, id: String, sold: Bool, pieces: [(seats: [String], places: Int)])] = []
    private var keys = 0

    init(
        id: Int, seed: UInt64, sessions: [String], rows: [(label: String, count: Int)],
        acknowledged: Shared<[String: (session: String, customer: String, reply: String)]>
    ) {
        self.id = id
        self.random = SplitMix64(seed: seed)
        self.sessions = sessions
        self.rows = rows
        self.acknowledged = acknowledged
    }

    func run(coordinator: Coordinator, group: any EventLoopGroup) async -> [SeatChecker.Operation] {
        var generation = 0
        var pending: SeatChecker.Operation? = nil
        while let (port, current) = await coordinator.next(after: generation) {
            generation = current
            guard let client = try? await LineClient.connect(Target(argument: "127.0.0.1:\(port)")!, group: group)
            else { continue }
            if var operation = pending {
                operation.retried = true
                guard let reply = try? await client.send([operation.request.line(session: operation.session)])[0]
                else {
                    await client.close()
                    continue
                }
                self.finish(&operation, reply: reply)
                pending = nil
            }
            while await coordinator.running(generation) {
                var operation = self.next()
                pending = operation
                guard let reply = try? await client.send([operation.request.line(session: operation.session)])[0]
                else { break }
                self.finish(&operation, reply: reply)
                pending = nil
            }
            await client.close()
        }
        return self.history
    }

    /// Records `operation`'s answer and what it did to this client's holds.
    func finish(_ operation: inout SeatChecker.Operation, reply: String) {
        operation.end = now()
        operation.reply = reply
        self.history.append(operation)
        let tokens = reply.split(separator: " ")
        let ok = tokens.first == "OK"
        /// Seats and `pit` places among reply tokens.
        func piece(_ items: ArraySlice<Substring>) -> (seats: [String], places: Int) {
            (
                items.filter { !$0.hasPrefix("pit:") }.map(String.init),
                items.filter { $0.hasPrefix("pit:") }.compactMap { Int($0.dropFirst(4)) }.reduce(0, +)
            )
        }
        let gone = tokens.starts(with: ["ERR", "NO_SUCH_HOLD"])
        switch operation.request {
        case .hold(let customer, _, let key, _, _), .best(let customer, _, let key, _):
            guard ok else { return }
            self.holds.append((operation.session, String(tokens[1]), false, [piece(tokens.dropFirst(3))]))
            self.acknowledged.withLock { $0[key] = (operation.session, customer, reply) }
        case .sell:
            guard ok else { return }
            self.holds.append((operation.session, String(tokens[1]), true, [piece(tokens.dropFirst(2))]))
        case .add(let hold, let seats, let places, _):
            if ok, let index = self.holds.firstIndex(where: { $0.id == hold }) {
                self.holds[index].pieces.append((seats, places))
            }
            if gone { self.holds.removeAll { $0.id == hold } }
        case .releaseItems(let hold, let seats, let places, _):
            if ok, let index = self.holds.firstIndex(where: { $0.id == hold }) {
                // One piece: two pieces of places alone may be alike, and the server released the items once.
                let piece = self.holds[index].pieces.firstIndex { $0.seats == seats && $0.places == places }
                if let piece { self.holds[index].pieces.remove(at: piece) }
                if self.holds[index].pieces.isEmpty { self.holds.remove(at: index) }
            }
            if gone { self.holds.removeAll { $0.id == hold } }
        case .confirm(let hold, _):
            if ok, let index = self.holds.firstIndex(where: { $0.id == hold }) { self.holds[index].sold = true }
            if gone { self.holds.removeAll { $0.id == hold } }
        case .release(let hold, _), .cancel(let hold, _):
            if ok || gone { self.holds.removeAll { $0.id == hold } }
        case .map:
            return
        }
    }

    /// The next request: mostly holds (listed seats or BEST) and sales, confirms, releases and additions of its
    /// holds (whole and by items), cancels of its bookings, now and then a map. Every change has a key, so one sent
    /// again after a crash answers its first reply.
    func next() -> SeatChecker.Operation {
        let customer = "c\(self.id)"
        let roll = self.random.below(100)
        let held = self.holds.filter { !$0.sold }
        let sold = self.holds.filter(\.sold)
        let request: SeatChecker.Request
        var session = self.sessions[self.random.below(self.sessions.count)]
        self.keys += 1
        let key = "k\(self.id)-\(self.keys)"
        func seats(_ count: Int) -> [String] {
            var seats: Set<String> = []
            while seats.count < count {
                let row = self.rows[self.random.below(self.rows.count)]
                seats.insert("\(row.label)\(1 + self.random.below(row.count))")
            }
            return seats.sorted()
        }
        if roll < 5 {
            request = .map
        } else if !held.isEmpty && roll < 50 {
            let hold = held[self.random.below(held.count)]
            session = hold.session
            switch self.random.below(20) {
            case 0..<9: request = .confirm(hold: hold.id, key: key)
            case 9..<14: request = .release(hold: hold.id, key: key)
            case 14..<17 where hold.pieces.count >= 2:
                let piece = hold.pieces[self.random.below(hold.pieces.count)]
                request = .releaseItems(hold: hold.id, seats: piece.seats, places: piece.places, key: key)
            default:
                let places = self.random.below(3) == 0 ? 1 : 0
                request = .add(
                    hold: hold.id, seats: places > 0 && self.random.below(2) == 0 ? [] : seats(1),
                    places: places, key: key)
            }
        } else if !sold.isEmpty && (roll < 60 || sold.count > 3) {
            let hold = sold[self.random.below(sold.count)]
            session = hold.session
            request = .cancel(hold: hold.id, key: key)
        } else {
            switch self.random.below(10) {
            case 0..<4:
                // Now and then GA places beside the seats, or only places; now and then as channel `box`.
                let places = self.random.below(3) == 0 ? 1 + self.random.below(3) : 0
                let listed = places > 0 && self.random.below(3) == 0 ? [] : seats(1 + self.random.below(3))
                request = .hold(
                    customer: customer, seats: listed, key: key, places: places,
                    channel: self.random.below(4) == 0)
            case 4..<8:
                request = .best(
                    customer: customer, count: 1 + self.random.below(4), key: key,
                    channel: self.random.below(4) == 0)
            default:
                request = .sell(customer: customer, seats: seats(1 + self.random.below(2)), key: key)
            }
        }
        return SeatChecker.Operation(
            client: self.id, session: session, request: request, start: now(), end: 0,
            reply: "")
    }
}
