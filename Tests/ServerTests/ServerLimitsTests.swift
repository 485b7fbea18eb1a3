import Foundation
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import Prometheus
import SeatActors
import SeatdTestSupport
import ServiceLifecycle
import Store
import Testing
import WAL

@testable import Server

/// Goal: over a real socket, every command and error code of the contract, auth and roles, and every limit a
/// client controls: connections (`ERR BUSY`), many idle connections, pipeline backpressure, a watcher that does
/// not read, the idle timeout, graceful shutdown answering what was read, and the metrics endpoint. Method: the
/// in-process server of `EndToEndTests` with small limits.
extension EndToEndTests {
    typealias Client = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// A connection kept open by the test (closed with `close()`).
    func connect(_ port: Int, receiveBuffer: Int? = nil) async throws -> Client {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let receiveBuffer {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
        }
        return try await bootstrap.connectTimeout(.seconds(60)).connect(
            to: try SocketAddress(ipAddress: "127.0.0.1", port: port)
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    }

    @Test func everyCommandAndErrorCodeOverTheSocket() async throws {
        var setup = Setup()
        setup.tokens = [("adm", .admin), ("cli", .client), ("rdr", .reader)]
        setup.settings.seatsPerHoldMax = 4
        let clock = ManualClock()
        setup.clock = clock
        try await self.withServer(setup) { port in
            try await self.withClient(port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                #expect(try await ask("PING") == "ERR NOAUTH authenticate first: AUTH <token>")
                #expect(try await ask("AUTH nope") == "ERR NOAUTH invalid token")
                #expect(try await ask("AUTH adm") == "OK admin")
                #expect(try await ask("CREATE HALL h A=5 B=1-2,4-5") == "OK h 9")
                #expect(try await ask("CREATE HALL h A=5") == "ERR EXISTS hall h exists")
                #expect(try await ask("CREATE HALL g A=0").hasPrefix("ERR BAD_REQUEST"))
                #expect(try await ask("CREATE SESSION s h ttl=60 limit=3") == "OK s 9")
                #expect(try await ask("CREATE SESSION t nope") == "ERR NO_SUCH_HALL no hall nope")
                #expect(try await ask("create session   x h  ") == "OK x 9")
                #expect(try await ask("DROP SESSION x") == "OK x")
                #expect(try await ask("SNAPSHOT").hasPrefix("OK "))
                let start = clock.nowMs()
                let held = try await ask("HOLD s ann B2 A3 key=k1")
                let hold = String(held.split(separator: " ")[1])
                #expect(held == "OK \(hold) \(start + 60_000) A3 B2")
                #expect(try await ask("HOLD s bob A1 key=k1") == held)
                #expect(try await ask("HOLD s bob B2 A2 A3") == "ERR TAKEN A3 B2")
                #expect(try await ask("HOLD s bob A9") == "ERR NO_SUCH_SEAT A9")
                #expect(try await ask("HOLD s bob a1").hasPrefix("ERR BAD_REQUEST"))
                #expect(try await ask("HOLD s bob ANY 5") == "ERR LIMIT at most 4 seats per hold")
                #expect(try await ask("HOLD s ann ANY 2").hasPrefix("ERR LIMIT customer ann"))
                #expect(try await ask("HOLD s bob BEST 3") == "ERR NO_ADJACENT no block of 3 adjacent free seats")
                #expect(try await ask("HOLD nope bob A1") == "ERR NO_SUCH_SESSION no session nope")
                #expect(try await ask("EXTEND s \(hold) 30") == "OK \(hold) \(start + 30_000)")
                #expect(try await ask("CONFIRM s \(hold) ref=pay-1") == "OK \(hold) A3 B2")
                #expect(try await ask("CONFIRM s \(hold)") == "OK \(hold) A3 B2")
                #expect(try await ask("RELEASE s \(hold)").hasPrefix("ERR NOT_HELD"))
                #expect(try await ask("LIST s ann") == "OK \(hold):sold:A3,B2")
                #expect(try await ask("CANCEL s \(hold) B2") == "OK \(hold) B2")
                #expect(try await ask("RELEASE s 00000000000000ff") == "ERR NO_SUCH_HOLD no hold 00000000000000ff")
                #expect(try await ask("AVAIL s") == "OK free=8 held=0 sold=1")
                #expect(try await ask("MAP s") == "OK A:..x.. B:....")
                let lapsing = String(try await ask("HOLD s bob A5 ttl=1").split(separator: " ")[1])
                clock.advance(byMs: 1_000)
                #expect(try await ask("CONFIRM s \(lapsing)") == "ERR EXPIRED hold \(lapsing) expired")
                #expect(try await ask("HOLD s bob ANY 3").hasPrefix("OK "))
                #expect(try await ask("HOLD s cy ANY 3").hasPrefix("OK "))
                #expect(try await ask("HOLD s dee ANY 2").hasPrefix("OK "))
                #expect(try await ask("HOLD s eve ANY 1") == "ERR SOLD_OUT 1 seats requested, 0 free")
                let stats = try await ask("STATS")
                for key in [
                    "halls=1", "sessions=1", "holds_live=3", "seats_held=8", "seats_sold=1", "confirms_total=1",
                    "conflicts_total=3", "connections=1", "last_lsn=", "durable_lsn=", "wal_bytes=", "uptime_s=",
                ] {
                    #expect(stats.contains(key), "\(key) in \(stats)")
                }
                #expect(try await ask("FROB") == "ERR UNKNOWN_COMMAND unknown command FROB")
            }
            try await self.withClient(port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                #expect(try await ask("AUTH cli") == "OK client")
                #expect(try await ask("DROP SESSION s") == "ERR FORBIDDEN client may not do that")
                #expect(try await ask("AUTH rdr") == "OK reader")
                #expect(try await ask("HOLD s r A3") == "ERR FORBIDDEN reader may not do that")
                #expect(try await ask("AVAIL s") == "OK free=0 held=8 sold=1")
                #expect(try await ask("QUIT") == "OK BYE")
                #expect(try await Self.line(&lines) == nil)
            }
        }
    }

    @Test func aLogThatCannotBeWrittenAnswersUnavailableOverTheSocket() async throws {
        var setup = Setup()
        setup.storage = SimulatedStorage(faultAt: 12, fault: .noSpace)
        try await self.withRunningServer(setup) { running in
            // The supervision seatd runs in the background: it serves the durable state read-only, then resumes
            // the log in a fresh segment (the simulated fault hits one operation only).
            let supervision = Task { await running.service.supervise(retryMs: 20) { _ in } }
            defer { supervision.cancel() }
            try await self.withClient(running.port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                #expect(try await ask("CREATE HALL h A=50") == "OK h 50")
                #expect(try await ask("CREATE SESSION s h") == "OK s 50")
                var acknowledged: [Int] = []
                var refused: [Int] = []
                for number in 1...20 {
                    let reply = try await ask("HOLD s c A\(number)")
                    if reply.hasPrefix("OK ") {
                        acknowledged.append(number)
                    } else {
                        #expect(reply.hasPrefix("ERR UNAVAILABLE"), "\(reply)")
                        refused.append(number)
                    }
                }
                #expect(!refused.isEmpty, "the fault never surfaced")
                // Once the log takes changes again: every acknowledged hold is there, no refused one is.
                var again = ""
                for _ in 0..<500 where !again.hasPrefix("OK ") {
                    again = try await ask("HOLD s c A40")
                    if !again.hasPrefix("OK ") { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(again.hasPrefix("OK "), "\(again)")
                #expect(
                    try await ask("AVAIL s")
                        == "OK free=\(49 - acknowledged.count) held=\(acknowledged.count + 1) sold=0")
                let map = try await ask("MAP s")
                let states = Array(map.dropFirst("OK A:".count))
                #expect(
                    acknowledged.allSatisfy { states[$0 - 1] == "h" } && refused.allSatisfy { states[$0 - 1] == "." },
                    "\(map)")
            }
        }
    }

    @Test func connectionsBeyondTheLimitGetBusyWhileManyIdleOnesWait() async throws {
        var setup = Setup()
        setup.settings.connectionsMax = 100
        try await self.withServer(setup) { port in
            var idle: [Client] = []
            // Close every idle client whatever happens: a channel dropped while open traps in NIO (a connect that
            // times out on a loaded machine must fail this test, not crash the whole run).
            do {
                for _ in 0..<99 { idle.append(try await self.connect(port)) }
                try await self.withClient(port) {
                    (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                    func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                    // 99 connections that say nothing, and this one: wait until the server has taken them all.
                    var open = ""
                    for _ in 0..<500 where !open.contains("connections=100 ") {
                        open = try await ask("STATS")
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    #expect(open.contains("connections=100 "), "\(open)")
                    #expect(try await ask("CREATE HALL h A=10") == "OK h 10")
                    try await self.withClient(port) {
                        (refused: inout Lines, _: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                        #expect(try await Self.line(&refused) == "ERR BUSY too many connections")
                        #expect(try await Self.line(&refused) == nil)
                    }
                    #expect(try await ask("PING") == "OK PONG")
                }
            } catch {
                for client in idle { try? await client.channel.close() }
                throw error
            }
            for client in idle { try? await client.channel.close() }
        }
    }

    @Test func aClientPipeliningPastTheLimitIsSlowedNotDropped() async throws {
        var setup = Setup()
        setup.settings.pipelineDepthMax = 4
        try await self.withServer(setup) { port in
            try await self.withClient(port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                var text = "CREATE HALL h A=100\nCREATE SESSION s h\n"
                for index in 0..<3_000 { text += index % 3 == 0 ? "HOLD s c\(index) ANY 1\n" : "PING\n" }
                text += "AVAIL s\n"
                try await Self.send(out, text)
                #expect(try await Self.line(&lines) == "OK h 100")
                #expect(try await Self.line(&lines) == "OK s 100")
                var held = 0
                for index in 0..<3_000 {
                    let reply = try #require(try await Self.line(&lines))
                    if index % 3 == 0 {
                        if reply.hasPrefix("OK ") { held += 1 } else { #expect(reply.hasPrefix("ERR SOLD_OUT")) }
                    } else {
                        #expect(reply == "OK PONG")
                    }
                }
                #expect(held == 100)
                #expect(try await Self.line(&lines) == "OK free=0 held=100 sold=0")
            }
        }
    }

    @Test func aWatcherThatDoesNotReadIsCutOffAndOthersGoOn() async throws {
        var setup = Setup()
        setup.settings.watchBufferBytes = 4_096
        setup.settings.pipelineDepthMax = 16
        setup.settings.socketSendBufferBytes = 4_096
        // The watcher reads again only after the round that cut it off; on a loaded machine that can take longer
        // than the default 5 s grace, after which the ERR BUSY line would be dropped with the connection.
        setup.settings.closeGraceSeconds = 120
        try await self.withRunningServer(setup) { server in
            let hub = server.service.registry.hub
            try await self.withClient(server.port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                let rows = (0..<10).map { "\(Self.rowLabel($0))=100" }.joined(separator: " ")
                #expect(try await ask("CREATE HALL h \(rows)") == "OK h 1000")
                #expect(try await ask("CREATE SESSION s h") == "OK s 1000")
                let watcher = try await self.connect(server.port, receiveBuffer: 4_096)
                try await watcher.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: "WATCH *\n"))
                    var events = inbound.makeAsyncIterator()
                    #expect(try await Self.line(&events) == "OK")
                    // Sessions filled by 250 pipelined holds of 4 seats each (about 15 KB of events), until the
                    // hub has dropped the watcher, whose socket buffers are full; the holders are never held up.
                    var round = 0
                    while hub.hasSubscribers, round < 100 {
                        round += 1
                        #expect(try await ask("CREATE SESSION r\(round) h") == "OK r\(round) 1000")
                        try await Self.send(
                            out,
                            (0..<250).map { customer in
                                let row = Self.rowLabel(customer / 25)
                                let first = customer % 25 * 4 + 1
                                return "HOLD r\(round) c\(customer) "
                                    + (first..<first + 4).map { "\(row)\($0)" }.joined(separator: " ") + "\n"
                            }.joined())
                        for _ in 0..<250 { #expect(try await Self.line(&lines)?.hasPrefix("OK ") == true) }
                        #expect(try await ask("DROP SESSION r\(round)") == "OK r\(round)")
                    }
                    guard !hub.hasSubscribers else {
                        Issue.record("the watcher was never cut off")
                        return
                    }
                    var last = ""
                    while let line = try await Self.line(&events) { last = line }
                    #expect(last == "ERR BUSY events were not read fast enough")
                }
                #expect(try await ask("AVAIL s") == "OK free=1000 held=0 sold=0")
            }
        }
    }

    /// Row labels A..Z, AA..AZ, ...
    static func rowLabel(_ index: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return index < 26 ? String(letters[index]) : String(letters[index / 26 - 1]) + String(letters[index % 26])
    }

    @Test func anIdleConnectionIsClosedAndABusyOneIsNot() async throws {
        // The server, its connections and both clients run on an event loop of this test's own: on the shared
        // loops, another test's CPU-heavy connection (debug builds check invariants after every change) can hold
        // a loop for seconds, and a busy connection behind it would look idle. The client tasks prefer that loop
        // too, so the cooperative pool, which CPU-bound tests can also starve, plays no part.
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var setup = Setup()
        setup.settings.idleTimeoutSeconds = 3
        setup.group = loops
        let executor = EventLoopExecutor(loops.next())
        try await withTaskExecutorPreference(executor) {
            try await self.withServer(setup) { port in
                try await self.withClient(port, group: loops) {
                    (busy: inout Lines, busyOut: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                    try await self.withClient(port, group: loops) {
                        (silent: inout Lines, _: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                        // A PING every 50 ms leaves the busy one almost 3 s of slack.
                        let end = ContinuousClock.now + .milliseconds(3_500)
                        while ContinuousClock.now < end {
                            #expect(try await Self.ask(&busy, busyOut, "PING") == "OK PONG")
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        // The silent one is closed (the read waits for it), the busy one still answers.
                        #expect(try await Self.line(&silent) == nil)
                        #expect(try await Self.ask(&busy, busyOut, "PING") == "OK PONG")
                    }
                }
            }
        }
        try await loops.shutdownGracefully()
    }

    @Test func gracefulShutdownAnswersWhatWasReadThenCloses() async throws {
        try await self.withRunningServer { server in
            try await self.withClient(server.port) {
                (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
                func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
                #expect(try await ask("CREATE HALL h A=100 B=100") == "OK h 200")
                #expect(try await ask("CREATE SESSION s h") == "OK s 200")
                try await Self.send(out, (0..<150).map { "HOLD s c\($0) ANY 1\n" }.joined())
                // The first reply means the server has read the whole write (one small segment); then shut down.
                #expect(try await Self.line(&lines)?.hasPrefix("OK ") == true)
                await server.group.triggerGracefulShutdown()
                var answered = 1
                while let reply = try await Self.line(&lines) {
                    #expect(reply.hasPrefix("OK "), "\(reply)")
                    answered += 1
                }
                #expect(answered == 150)
                let counts = try await server.service.registry.session("s")!.counts().result.get()
                #expect(counts.held == 150)
            }
            // No longer accepting: the listening socket closed before the drain began. (Connecting to the port
            // would not tell: under a parallel run another test's server may have been given it since.)
            for _ in 0..<200 where server.server.isListening { try await Task.sleep(for: .milliseconds(10)) }
            #expect(!server.server.isListening)
        }
    }

    @Test func metricsAreServedAsPrometheusText() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = DescribedMetricsFactory(registry: registry, plain: PrometheusMetricsFactory(registry: registry))
        let data = TemporaryDirectory.path("metrics")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let service = try LogService(data: data)
        defer { service.close() }
        let dispatcher = Dispatcher(service: service, tokens: [], metrics: ServerMetrics(factory: factory))
        let (linePorts, lineBound) = AsyncStream.makeStream(of: Int.self)
        let (httpPorts, httpBound) = AsyncStream.makeStream(of: Int.self)
        let server = SeatServer(
            settings: ServerSettings(host: "127.0.0.1", port: 0), dispatcher: dispatcher,
            logger: Self.quiet, onBound: { lineBound.yield($0) })
        let state = HTTPState()
        state.serve(HTTPState.Backend(service: service, dispatcher: dispatcher, cluster: nil))
        let http = HTTPPort(
            settings: HTTPSettings(host: "127.0.0.1", port: 0), state: state, registry: registry,
            refresh: { await $0.dispatcher.refreshGauges() }, logger: Self.quiet)
        let httpTask = Task { try await HTTPPort.run(http, tls: nil) { httpBound.yield($0) } }
        defer { httpTask.cancel() }
        let group = ServiceGroup(services: [server], logger: Self.quiet)
        let task = Task { try await group.run() }
        var lineIterator = linePorts.makeAsyncIterator()
        var httpIterator = httpPorts.makeAsyncIterator()
        let linePort = try #require(await lineIterator.next())
        let httpPort = try #require(await httpIterator.next())
        try await self.withClient(linePort) {
            (lines: inout Lines, out: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws in
            func ask(_ request: String) async throws -> String { try await Self.ask(&lines, out, request) }
            #expect(try await ask("CREATE HALL h A=10") == "OK h 10")
            #expect(try await ask("CREATE SESSION s h") == "OK s 10")
            #expect(try await ask("HOLD s c A1 A2").hasPrefix("OK "))
            #expect(try await ask("HOLD s c A1") == "ERR TAKEN A1")
            let text = try await self.httpGet(httpPort, "/metrics")
            #expect(text.hasPrefix("HTTP/1.1 200 OK"))
            for expected in [
                #"seatd_requests_total{command="hold"} 2"#, #"seatd_errors_total{command="hold",code="TAKEN"} 1"#,
                "seatd_seats_held 2", "seatd_sessions 1", "seatd_connections 1",
                #"seatd_request_seconds_count{command="hold"} 2"#,
                "# HELP seatd_requests_total Requests answered, by command.", "# TYPE seatd_requests_total counter",
            ] {
                #expect(text.contains(expected), "\(expected) in \(text)")
            }
            #expect(try await self.httpGet(httpPort, "/other").hasPrefix("HTTP/1.1 404"))
        }
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// A whole HTTP/1.1 GET over a plain socket (the response ends when the server closes).
    func httpGet(_ port: Int, _ path: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(60)).connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: port)) {
                channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
            var text = ""
            for try await var buffer in inbound { text += buffer.readString(length: buffer.readableBytes) ?? "" }
            return text
        }
    }
}
