import Foundation
import Logging
import NIOCore
import NIOPosix
import SeatActors
import SeatdTestSupport
import ServiceLifecycle
import Store
import Testing
import WAL

@testable import Server

/// Goal: the server over a real TCP socket: pipelined replies in order, WATCH events, LINE_TOO_LONG, garbage and
/// vanishing clients that leave the others unharmed. Method: an in-process server bound to port 0 on a temp data
/// directory, clients made with NIO's ClientBootstrap; the server task is cancelled at the end.
struct EndToEndTests {
    typealias Lines = NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    /// How a test's server is made: its settings, tokens, clock and storage.
    struct Setup {
        /// The AUTH deadline is a minute here, not 5 s: a test starved of threads by its neighbours in a parallel run
        /// must not lose its connection to it (`AdmissionTests` sets its own).
        var settings = ServerSettings(host: "127.0.0.1", port: 0, authTimeoutMs: 60_000)
        var tokens: [(token: String, role: Role)] = []
        var clock: any WallClock = SystemWallClock()
        /// A simulated disk instead of a temp directory.
        var storage: SimulatedStorage? = nil
        /// The server's event loops: the shared singleton, or a group of the test's own.
        var group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    }

    /// A running server: its port, and its service group for a graceful shutdown.
    struct Running: Sendable {
        let port: Int
        let group: ServiceGroup
        let service: LogService
        let server: SeatServer
    }

    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` against a fresh server; returns when the server has stopped.
    func withServer(_ setup: Setup = Setup(), _ body: @Sendable (Int) async throws -> Void) async throws {
        try await self.withRunningServer(setup) { try await body($0.port) }
    }

    /// Runs `body` against a fresh server in a service group, then shuts it down gracefully (if `body` did not)
    /// and waits for it to stop.
    func withRunningServer(_ setup: Setup = Setup(), _ body: @Sendable (Running) async throws -> Void) async throws {
        let data = TemporaryDirectory.path("e2e")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let executors = LoopExecutors(setup.group)
        let service =
            try setup.storage.map {
                try LogService(
                    data: "/d", storage: $0, segmentBytes: 64 << 10, clock: setup.clock,
                    executors: executors.next)
            } ?? LogService(data: data, segmentBytes: 1 << 20, clock: setup.clock, executors: executors.next)
        defer { service.close() }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = SeatServer(
            settings: setup.settings,
            dispatcher: Dispatcher(
                service: service, tokens: setup.tokens, seatsPerHoldMax: setup.settings.seatsPerHoldMax),
            logger: Self.quiet, group: setup.group, executors: executors, onBound: { continuation.yield($0) })
        let group = ServiceGroup(services: [server], logger: Self.quiet)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do { try await body(Running(port: port, group: group, service: service, server: server)) } catch {
            await group.triggerGracefulShutdown()
            _ = await task.result
            throw error
        }
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// A connected client: `body` gets a line reader and the writer.
    func withClient(
        _ port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (inout Lines, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Void
    ) async throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let channel = try await LineClient.openChannel(to: address, group: group)
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            try await body(&lines, outbound)
        }
    }

    static func send(_ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, _ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Sends one request and reads its reply.
    static func ask(
        _ lines: inout Lines, _ out: NIOAsyncChannelOutboundWriter<ByteBuffer>, _ request: String
    )
        async throws -> String
    {
        try await Self.send(out, request + "\n")
        return try await Self.line(&lines) ?? "(closed)"
    }

    static func line(_ lines: inout Lines) async throws -> String? {
        guard var buffer = try await lines.next() else { return nil }
        return buffer.readString(length: buffer.readableBytes)
    }

    @Test func thousandsOfPipelinedRequestsAnswerInOrder() async throws {
        try await self.withServer { port in
            try await self.withClient(port) { lines, out in
                let rows = (0..<20).map { "\(RowSpec.label(forRowIndex: $0))=100" }.joined(separator: " ")
                var text = "CREATE HALL h \(rows)\nCREATE SESSION s h\n"
                for index in 0..<2_000 { text += index % 2 == 0 ? "HOLD s c\(index) ANY 1\n" : "PING\n" }
                text += "AVAIL s\n"
                try await Self.send(out, text)
                #expect(try await Self.line(&lines) == "OK h 2000")
                #expect(try await Self.line(&lines) == "OK s 2000")
                var seats = Set<String>()
                for index in 0..<2_000 {
                    let reply = try #require(try await Self.line(&lines))
                    if index % 2 == 0 {
                        let fields = reply.split(separator: " ")
                        #expect(fields.first == "OK" && fields.count == 4, "\(reply)")
                        seats.insert(String(fields.last!))
                    } else {
                        #expect(reply == "OK PONG")
                    }
                }
                #expect(seats.count == 1_000)
                #expect(try await Self.line(&lines) == "OK free=1000 held=1000 sold=0")
            }
        }
    }

    /// Sessions are spread over two loops, so one connection's requests run partly on its own loop and partly
    /// on the other, sent there in a batch per read. Replies still come in request order, a request to one
    /// session runs after the earlier ones to it, and DROP SESSION runs after every request before it.
    @Test func pipelinedRequestsToSessionsOfTwoLoopsAnswerInOrder() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var setup = Setup()
        setup.group = loops
        try await self.withRunningServer(setup) { server in
            try await self.withClient(server.port) { lines, out in
                var text = "CREATE HALL h A=50\n"
                for session in 0..<4 { text += "CREATE SESSION s\(session) h\n" }
                var expected = ["OK h 50", "OK s0 50", "OK s1 50", "OK s2 50", "OK s3 50"]
                for seat in 1...50 {
                    for session in 0..<4 {
                        text += "HOLD s\(session) c\(session) A\(seat)\n"
                        expected.append("HOLD s\(session) A\(seat)")
                    }
                    if seat % 10 == 0 {
                        text += "AVAIL s\(seat / 10 % 4)\nPING\n"
                        expected += ["OK free=\(50 - seat) held=\(seat) sold=0", "OK PONG"]
                    }
                }
                text += "HOLD s1 c9 A1\nDROP SESSION s1\nAVAIL s1\nAVAIL s2\n"
                expected += ["ERR TAKEN A1", "OK s1", "ERR NO_SUCH_SESSION no session s1", "OK free=0 held=50 sold=0"]
                try await Self.send(out, text)
                for want in expected {
                    let reply = try #require(try await Self.line(&lines))
                    if want.hasPrefix("HOLD ") {
                        let seat = want.split(separator: " ")[2]
                        #expect(reply.hasPrefix("OK ") && reply.hasSuffix(" \(seat)"), "\(want): \(reply)")
                    } else {
                        #expect(reply == want)
                    }
                }
            }
            // Both loops ran sessions.
            let sessionLoops = Set(
                ["s0", "s2", "s3"].compactMap { server.service.registry.session($0) }
                    .map { ObjectIdentifier($0.executor) })
            #expect(sessionLoops.count == 2)
        }
        try await loops.shutdownGracefully()
    }

    @Test func watchersSeeEveryChangeWithRisingSeq() async throws {
        try await self.withServer { port in
            try await self.withClient(port) { lines, out in
                try await Self.send(out, "CREATE HALL h A=10\nCREATE SESSION s h\n")
                _ = try await Self.line(&lines)
                _ = try await Self.line(&lines)
            }
            try await self.withClient(port) { watch, watchOut in
                try await Self.send(watchOut, "WATCH s\n")
                #expect(try await Self.line(&watch) == "OK")
                try await Self.send(watchOut, "AVAIL s\n")
                #expect(try await Self.line(&watch)?.hasPrefix("ERR BAD_REQUEST") == true)
                try await self.withClient(port) { lines, out in
                    try await Self.send(out, "HOLD s ann A1 A2\n")
                    let hold = try #require(try await Self.line(&lines)).split(separator: " ")[1]
                    try await Self.send(out, "CONFIRM s \(hold)\nCANCEL s \(hold) A2\n")
                    _ = try await Self.line(&lines)
                    _ = try await Self.line(&lines)
                    let events = [
                        try await Self.line(&watch), try await Self.line(&watch), try await Self.line(&watch),
                    ]
                    .map { $0 ?? "" }
                    let fields = events.map { $0.split(separator: " ") }
                    #expect(fields.map { $0[2] } == ["held", "confirmed", "cancelled"])
                    #expect(events[0].hasSuffix(" s \(hold) ann A1 A2"))
                    #expect(events[2].hasSuffix(" s \(hold) ann A2"))
                    let seqs = fields.map { UInt64($0[1])! }
                    #expect(seqs == seqs.sorted() && Set(seqs).count == 3)
                }
                try await Self.send(watchOut, "PING\n")
                #expect(try await Self.line(&watch) == "OK PONG")
            }
        }
    }

    /// A watching connection takes only PING and QUIT: every other line, a known verb or not, is BAD_REQUEST.
    @Test func aWatchingConnectionAnswersEveryOtherLineWithBadRequest() async throws {
        try await self.withServer { port in
            try await self.withClient(port) { lines, out in
                try await Self.send(out, "WATCH *\nFROB\nAVAIL s\nHOLD s\nPING now\nPING\nQUIT\n")
                #expect(try await Self.line(&lines) == "OK")
                for _ in 0..<4 {
                    #expect(
                        try await Self.line(&lines) == "ERR BAD_REQUEST a watching connection only takes PING and QUIT")
                }
                #expect(try await Self.line(&lines) == "OK PONG")
                #expect(try await Self.line(&lines) == "OK BYE")
            }
            // EOF ends a watch too: the lines before it are answered, then the connection closes.
            let client = try await self.connect(port)
            try await client.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "WATCH *\nHOLD s\nPING\n"))
                try await client.channel.close(mode: .output)
                var lines = inbound.makeAsyncIterator()
                #expect(try await Self.line(&lines) == "OK")
                #expect(try await Self.line(&lines) == "ERR BAD_REQUEST a watching connection only takes PING and QUIT")
                #expect(try await Self.line(&lines) == "OK PONG")
                #expect(try await Self.line(&lines) == nil)
            }
        }
    }

    @Test func aLineTooLongClosesOnlyThatConnection() async throws {
        try await self.withServer { port in
            try await self.withClient(port) { lines, out in
                try await Self.send(out, String(repeating: "A", count: 10_000) + "\nPING\n")
                #expect(try await Self.line(&lines) == "ERR LINE_TOO_LONG a line may have at most 4096 bytes")
                #expect(try await Self.line(&lines) == nil)
            }
            try await self.withClient(port) { lines, out in
                try await Self.send(out, "PING\n")
                #expect(try await Self.line(&lines) == "OK PONG")
            }
        }
    }

    @Test func garbageGetsErrorsAndVanishingClientsHarmNobody() async throws {
        try await self.withServer { port in
            try await self.withClient(port) { lines, out in
                var garbage = ByteBuffer(
                    bytes: (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }.filter { $0 != 10 })
                garbage.writeString("\n\u{1}\u{2}\n  \nPING\n")
                try await out.write(garbage)
                #expect(try await Self.line(&lines)?.hasPrefix("ERR ") == true)
                #expect(try await Self.line(&lines)?.hasPrefix("ERR ") == true)
                #expect(try await Self.line(&lines) == "OK PONG")
            }
            for _ in 0..<20 {
                try await self.withClient(port) { _, out in
                    try await Self.send(out, String(repeating: "PING\nSTATS\n", count: 500))
                }
            }
            try await self.withClient(port) { lines, out in
                try await Self.send(out, "PING\nQUIT\nPING\n")
                #expect(try await Self.line(&lines) == "OK PONG")
                #expect(try await Self.line(&lines) == "OK BYE")
                #expect(try await Self.line(&lines) == nil)
            }
        }
    }
}
