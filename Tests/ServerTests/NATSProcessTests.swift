import Foundation
import NATS
import NIOCore
import SeatActors
import SeatdTestSupport
import Testing

@testable import Server

/// Goal: with `events.nats` set, seatd publishes every event to NATS JetStream exactly once in the stream, in seq
/// order, across a `kill -9` of seatd and a restart of nats-server in the middle of the run (seatd keeps serving
/// while NATS is down), with the `Nats-Msg-Id` and JSON payload the docs promise. Method: a real nats-server with
/// JetStream on loopback and a temp store, the real seatd binary, rounds of changes between the faults; then the
/// stream is compared with the log's events (`WATCH * from=1`) by seatd's own NATS client and by a Python check
/// on nats-py (`Tests/NATS/check_stream.py`), which nobody here wrote.
@Suite(
    .enabled(
        if: NATSServer.path != nil && NATSServer.hasPythonClient,
        "nats-server or the Python package nats-py is missing (apt-get install nats-server; pip install nats-py); skipped"
    ))
struct NATSProcessTests {
    @Test func everyEventReachesJetStreamOnceInOrderAcrossKillNineAndANATSRestart() async throws {
        let data = TemporaryDirectory.path("nats")
        defer { try? FileManager.default.removeItem(atPath: data) }
        var nats = try await NATSServer()
        defer { nats.stop() }
        let tests = ProcessTests()
        let environment = ["SEATD_EVENTS_NATS": "nats://127.0.0.1:\(nats.port)"]
        var server = try await ProcessTests.Seatd(data: data, environment: environment)
        _ = try await tests.exchange(
            server.port,
            [
                "CREATE HALL h A=20 B=20 C=20", "CREATE SESSION s1 h", "CREATE SESSION s2 h",
                "CREATE SESSION end h",
            ])
        var random = SplitMix64(seed: 31)
        for round in 0..<6 { try await EventsProcessTests.changes(server.port, round: round, random: &random) }
        #expect(server.kill(SIGKILL) == SIGKILL)
        server = try await ProcessTests.Seatd(data: data, environment: environment)
        for round in 6..<10 { try await EventsProcessTests.changes(server.port, round: round, random: &random) }
        // NATS goes away; seatd keeps taking changes, and publishes them once NATS is back.
        nats.stop()
        for round in 10..<13 { try await EventsProcessTests.changes(server.port, round: round, random: &random) }
        nats = try await NATSServer(port: nats.port, store: nats.store)
        for round in 13..<16 { try await EventsProcessTests.changes(server.port, round: round, random: &random) }
        #expect(try await tests.exchange(server.port, ["BLOCK end A1"]) == ["OK end A1"])
        let events = try await EventsProcessTests.everyEvent(server.port)

        // Wait until the stream has them all (the publisher retries with backoff after the restart).
        let connection = try await NATSConnection.connect(host: "127.0.0.1", port: nats.port, name: "check")
        defer { connection.close() }
        var count = 0
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            count = try await Self.messageCount(connection)
            if count >= events.count { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(count == events.count, "the stream holds \(count) messages, the log \(events.count) events")
        for (index, event) in events.enumerated() where index < count {
            let message = try await Self.message(connection, seq: index + 1)
            let payload = try #require(try JSONSerialization.jsonObject(with: message.data) as? [String: Any])
            #expect(payload["seq"] as? Int == Int(event.seq), "message \(index + 1)")
            #expect(payload["type"] as? String == event.kind && payload["session"] as? String == event.session)
            #expect(
                (payload["hold"] as? String ?? "-") == event.hold && payload["customer"] as? String == event.customer)
            #expect(payload["items"] as? [String] == event.items)
            #expect((payload["ms"] as? Int ?? 0) > 1_700_000_000_000)
            #expect(message.subject == "seatd.\(event.kind).\(event.session)")
            #expect(message.headers.hasSuffix("-\(event.seq)"), "\(message.headers)")
        }
        let stats = try await tests.exchange(server.port, ["STATS"])[0]
        #expect(stats.hasSuffix(" events_dropped=0"), "\(stats)")

        // The same by nats-py.
        let expectFile = data + "-expected.txt"
        defer { try? FileManager.default.removeItem(atPath: expectFile) }
        try events.map {
            "\($0.seq) \($0.kind) \($0.session) \($0.hold) \($0.customer) \($0.items.joined(separator: ","))"
        }
        .joined(separator: "\n").write(toFile: expectFile, atomically: true, encoding: .utf8)
        let (status, output) = try runToEnd(
            "/usr/bin/env",
            [
                "python3", NATSServer.checkScript, "--port", "\(nats.port)",
                "--stream", "SEATD", "--expect", expectFile,
            ])
        #expect(status == 0, "nats-py check: \(output)")
        #expect(server.kill(SIGTERM) == 0)
    }

    struct StoredMessage {
        let subject: String
        let headers: String
        let data: Data
    }

    static func messageCount(_ connection: NATSConnection) async throws -> Int {
        let reply = try await connection.request(
            NATSRequest(subject: "$JS.API.STREAM.INFO.SEATD", payload: ByteBuffer()))
        let info = try JSONSerialization.jsonObject(with: Data(String(buffer: reply.payload).utf8)) as? [String: Any]
        return ((info?["state"] as? [String: Any])?["messages"] as? Int) ?? 0
    }

    static func message(_ connection: NATSConnection, seq: Int) async throws -> StoredMessage {
        let reply = try await connection.request(
            NATSRequest(
                subject: "$JS.API.STREAM.MSG.GET.SEATD",
                payload: ByteBuffer(string: #"{"seq":\#(seq)}"#)))
        let answer = try JSONSerialization.jsonObject(with: Data(String(buffer: reply.payload).utf8)) as? [String: Any]
        let message = try #require(
            answer?["message"] as? [String: Any], "no message \(seq): \(String(buffer: reply.payload))")
        let headers =
            (message["hdrs"] as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
            ?? ""
        return StoredMessage(
            subject: message["subject"] as? String ?? "",
            headers: headers.trimmingCharacters(in: .whitespacesAndNewlines),
            data: Data(base64Encoded: message["data"] as? String ?? "") ?? Data())
    }
}

/// A throwaway nats-server with JetStream on a loopback port and a temp store.
struct NATSServer {
    static let path: String? = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let checkScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("NATS/check_stream.py").path
    static let hasPythonClient: Bool = (try? runToEnd("/usr/bin/env", ["python3", "-c", "import nats"]).status) == 0

    let process: Process
    let port: Int
    let store: String

    /// Starts nats-server with JetStream on `port` (or a free one) and waits until it answers. A free port is
    /// only free when it was looked at: if another test's server took it first, nats-server exits, and (for a port
    /// this picked) it starts again on another.
    init(port: Int? = nil, store: String? = nil) async throws {
        self.store =
            store ?? FileManager.default.temporaryDirectory.appendingPathComponent("nats-\(UUID().uuidString)").path
        for _ in 0..<5 {
            let chosen = try port ?? LoopbackPort.free()
            let process = try Self.start(port: chosen, store: self.store)
            if try await Self.answers(process, port: chosen) {
                (self.process, self.port) = (process, chosen)
                return
            }
            process.terminate()
            if port != nil { break }
        }
        throw NATSError.timeout("nats-server did not start")
    }

    private static func start(port: Int, store: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path!)
        process.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", store]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// True once the server answers on `port`; false if it exited first (the port was taken) or did not answer
    /// within 30 s.
    private static func answers(_ process: Process, port: Int) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, process.isRunning {
            if let connection = try? await NATSConnection.connect(host: "127.0.0.1", port: port, name: "probe") {
                connection.close()
                // A server that finds the port taken exits at once: still running a moment later, it is the
                // one that answered.
                try await Task.sleep(for: .milliseconds(300))
                return process.isRunning
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func stop() {
        guard self.process.isRunning else { return }
        self.process.terminate()
        self.process.waitUntilExit()
    }

}
