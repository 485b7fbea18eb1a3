import Foundation
import NIOCore
import NIOPosix
import SeatActors
import SeatdTestSupport
import Testing

@testable import SeatLoad

/// The Redis script against a real redis-server: the same random requests go to it and to seatd's engine
/// (`SessionState`), and every reply, and the final map, must agree (hold ids aside).
@Suite(.enabled(if: RedisServer.path != nil, "redis-server is not installed (apt-get install redis-server); skipped"))
struct RedisScriptTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func theScriptAnswersLikeSeatd(seed: UInt64) async throws {
        try await RedisServer.withClient { client in try await Self.compare(client, seed: seed) }
    }

    static func compare(_ client: LineClient, seed: UInt64) async throws {
        let rows = "A=8 B=8 C=8 D=8 E=8"
        #expect(try await client.send(["CREATE HALL h \(rows)"]) == ["OK h 40"])
        #expect(try await client.send(["CREATE SESSION s h"]) == ["OK s 40"])
        #expect(try await client.send(["CREATE SESSION s h"])[0].hasPrefix("ERR EXISTS"))

        let hall = try Hall(id: "h", specs: rows.split(separator: " ").map { try RowSpec(parsing: $0) })
        var state = SessionState(handle: 1, config: try SessionConfig(id: "s", hallID: "h"), hall: hall)
        let now: Int64 = 1_800_000_000_000
        var lsn: LSN = 1
        var random = SplitMix64(seed: seed)
        var nextID: UInt64 = 0
        // Redis's hold id -> seatd's, for the holds both made.
        var holds: [(redis: String, seatd: HoldID)] = []
        let seatNames = LoadHall(id: "h", rows: 5, seatsPerRow: 8).seats

        func code(_ error: SeatError) -> String {
            switch error {
            case .taken(let seats): "TAKEN " + seats.map(\.description).joined(separator: " ")
            case .soldOut: "SOLD_OUT"
            case .noAdjacent: "NO_ADJACENT"
            case .notHeld: "NOT_HELD"
            case .noSuchHold: "NO_SUCH_HOLD"
            default: "\(error)"
            }
        }
        func errorCode(_ reply: String) -> String {
            let tokens = reply.split(separator: " ")
            return tokens[1] == "TAKEN" ? tokens.dropFirst().joined(separator: " ") : String(tokens[1])
        }

        for step in 0..<400 {
            let draw = Int(random.next() % 10)
            if draw < 5 || holds.isEmpty {
                // HOLD: BEST k, or 1 to 3 listed seats.
                let selection: SeatSelection
                let request: String
                if draw < 3 {
                    let count = 1 + Int(random.next() % 6)
                    selection = .best(count)
                    request = "HOLD s c BEST \(count)"
                } else {
                    var picked: [String] = []
                    for _ in 0..<(1 + Int(random.next() % 3)) {
                        let seat = seatNames[Int(random.next() % UInt64(seatNames.count))]
                        if !picked.contains(seat) { picked.append(seat) }
                    }
                    selection = .explicit(picked.map { SeatLabel(Substring($0))! })
                    request = "HOLD s c " + picked.joined(separator: " ")
                }
                let reply = try await client.send([request])[0]
                do {
                    let decision = try state.decideHold(
                        customer: "c", selection: selection, ttlSeconds: nil, key: nil,
                        nowMs: now,
                        newHoldID: {
                            nextID += 1
                            return HoldID(raw: nextID)
                        })
                    guard case .held(let record) = decision else {
                        Issue.record("no new hold")
                        return
                    }
                    lsn += 1
                    state.apply(.held(record), lsn: lsn)
                    let seats = state.labels(record.seats).map(\.description)
                    let tokens = reply.split(separator: " ").map(String.init)
                    #expect(
                        tokens.first == "OK" && Array(tokens.dropFirst(3)) == seats,
                        "step \(step): \(request) -> \(reply), seatd \(seats)")
                    if tokens.count > 1 { holds.append((tokens[1], record.holdID)) }
                } catch {
                    #expect(
                        reply.hasPrefix("ERR ") && errorCode(reply) == code(error),
                        "step \(step): \(request) -> \(reply), seatd \(error)")
                }
            } else {
                let index = Int(random.next() % UInt64(holds.count))
                let (redisID, seatdID) = holds[index]
                let verb = ["CONFIRM", "RELEASE", "CANCEL"][draw % 3]
                let reply = try await client.send(["\(verb) s \(redisID)"])[0]
                do {
                    let change: SessionChange?
                    switch verb {
                    case "CONFIRM":
                        if case .change(let made) = try state.decideConfirm(seatdID, ref: nil, nowMs: now) {
                            change = made
                        } else {
                            change = nil
                        }
                    case "RELEASE": change = try state.decideRelease(seatdID, nowMs: now)
                    default: change = try state.decideCancel(seatdID, seats: nil, nowMs: now).change
                    }
                    if let change {
                        lsn += 1
                        state.apply(change, lsn: lsn)
                    }
                    #expect(reply.hasPrefix("OK \(redisID)"), "step \(step): \(verb) -> \(reply)")
                    if verb != "CONFIRM" { holds.remove(at: index) }
                } catch {
                    #expect(
                        reply.hasPrefix("ERR ") && errorCode(reply) == code(error),
                        "step \(step): \(verb) -> \(reply), seatd \(error)")
                }
            }
        }
        let map = "OK " + state.mapRows().map { "\($0.row):\($0.states)" }.joined(separator: " ")
        #expect(try await client.send(["MAP s"]) == [map])
        let counts = state.counts
        #expect(
            try await client.send(["AVAIL s"]) == ["OK free=\(counts.free) held=\(counts.held) sold=\(counts.sold)"])
        #expect(try await client.send(["DROP SESSION s", "AVAIL s"]) == ["OK s", "ERR NO_SUCH_SESSION s"])
    }

    @Test func aHoldLapsesAtItsTtlAndItsSeatsComeBack() async throws {
        try await RedisServer.withClient { client in try await Self.lapse(client) }
    }

    static func lapse(_ client: LineClient) async throws {
        _ = try await client.send(["CREATE HALL h A=2", "CREATE SESSION s h ttl=1"])
        let held = try await client.ok("HOLD s c A1 A2").split(separator: " ")
        let hold = held[1]
        let second = try await client.send(["HOLD s d BEST 1"])[0]
        // On a loaded machine the 1 s hold may lapse before the next request: only a request inside it is refused.
        if Date().timeIntervalSince1970 * 1_000 < Double(held[2])! - 100 { #expect(second.hasPrefix("ERR SOLD_OUT")) }
        try await Task.sleep(for: .milliseconds(1_300))
        #expect(try await client.send(["AVAIL s"]) == ["OK free=2 held=0 sold=0"])
        #expect(try await client.send(["CONFIRM s \(hold)"])[0].hasPrefix("ERR NO_SUCH_HOLD"))
        #expect(try await client.send(["HOLD s d BEST 2"])[0].hasSuffix(" A1 A2"))
    }
}

/// A throwaway redis-server on a free loopback port, without persistence.
final class RedisServer: Sendable {
    static let path: String? = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    static func start() async throws -> RedisServer {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path!)
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", FileManager.default.temporaryDirectory.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let server = RedisServer(port: port, process: process)
        for _ in 0..<100 {
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(60)).connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: port)).get()
            {
                try? await channel.close()
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw LoadError("redis-server did not start on port \(port)")
    }

    /// Runs `body` with a client of a fresh server, then stops both.
    static func withClient(_ body: (LineClient) async throws -> Void) async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let client = try await LineClient.connect(
            Target(argument: "redis://127.0.0.1:\(redis.port)")!,
            group: MultiThreadedEventLoopGroup.singleton)
        do {
            try await body(client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    /// SIGKILL: the server keeps nothing, and a SIGTERM can arrive blocked in a child of the test process.
    func stop() {
        kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }
}
