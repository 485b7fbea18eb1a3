import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SeatActors
import SeatdTestSupport
import Testing

/// Goal: the HTTP port (`docs/http.md`) tells the truth and keeps its contract. `/api/sessions/<id>` equals `MAP`
/// and `AVAIL` seat by seat and area by area; the event stream resumes with `Last-Event-ID` across a `kill -9`
/// with no gap and no duplicate (against `WATCH from=1`); every data route needs a token when auth is on, and the
/// pages, `/health`, `/ready` and `/metrics` do not (unless `http.metrics_auth`); `/metrics` passes
/// `promtool check metrics`; streams past `http.max_streams` are refused; unknown sessions are 404 and bad
/// parameters 400. Method: the real binary with `--http-port 0`, AsyncHTTPClient, and the line protocol beside.
@Suite(.serialized)
struct HTTPProcessTests {
    /// seatd with its HTTP port.
    final class Node {
        let server: SeatdProcess
        let port: Int
        let http: Int
        let client: LineClient

        init(data: String, environment: [String: String] = [:], token: String? = nil) async throws {
            self.server = try SeatdProcess(
                binary: SeatdProcess.defaultBinary, data: data, environment: environment,
                arguments: ["--http-port", "0"])
            self.port = try await self.server.port()
            self.http = try await self.server.httpPort()
            self.client = try await LineClient.connect(
                to: try SocketAddress(ipAddress: "127.0.0.1", port: self.port),
                group: MultiThreadedEventLoopGroup.singleton)
            if let token { try await self.client.ok("AUTH \(token)") }
        }

        func close() async { await self.client.close() }
    }

    struct Reply {
        let status: Int
        let type: String
        let body: String
    }

    static func get(_ port: Int, _ path: String, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Reply(
            status: Int(response.status.code), type: response.headers.first(name: "content-type") ?? "",
            body: String(buffer: body))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The venue every test uses: an aisle, a category, a flag, a GA area.
    static let venue = [
        "CREATE HALL gala A=1-4,7-10 B=10 C=10 cat:vip=B1-B10 flag:wheelchair=A1,C10 ga:pit=20",
        "CREATE SESSION eve gala",
    ]

    @Test func apiEqualsMapAndAvail() async throws {
        let data = TemporaryDirectory.path("http-api")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let node = try await Node(data: data)
        defer { node.server.kill(SIGKILL) }
        for request in Self.venue { try await node.client.ok(request) }
        let hold = try await node.client.ok("HOLD eve ann A1 A2 pit:3")
        try await node.client.ok("SELL eve bob B1 B2 pit:2")
        try await node.client.ok("BLOCK eve C1 C2")
        try await node.client.ok("RESERVE eve press C5 C6 C7")
        try await node.client.ok("HOLD eve pat C6 channel=press")
        try await node.client.ok("CONFIRM eve \(hold.split(separator: " ")[1])")

        let reply = try await Self.get(node.http, "/api/sessions/eve")
        #expect(reply.status == 200 && reply.type.hasPrefix("application/json"))
        let map = try Self.json(reply.body)
        let seats = try #require(map["seats"] as? [[String: Any]])
        #expect(seats.count == 28)
        // MAP's rows, rebuilt from the JSON in hall order.
        var rows: [(String, String)] = []
        for seat in seats {
            let label = seat["seat"] as! String
            let row = String(label.prefix { $0.isLetter })
            let char: Character =
                switch seat["state"] as! String {
                case "free": "."
                case "held": "h"
                case "sold": "x"
                case "blocked": "b"
                case "reserved": "r"
                default: "?"
                }
            if rows.last?.0 == row { rows[rows.count - 1].1.append(char) } else { rows.append((row, String(char))) }
        }
        let areas = try #require(map["areas"] as? [[String: Any]])
        let rebuilt =
            "OK " + rows.map { "\($0.0):\($0.1)" }.joined(separator: " ") + " "
            + areas.map { "\($0["area"]!):\($0["free"]!)/\($0["capacity"]!)" }.joined(separator: " ")
        #expect(rebuilt == (try await node.client.ok("MAP eve")))
        // Categories, flags, the reserved mark on a held reserved seat, the seq.
        #expect(seats.first { $0["seat"] as? String == "B3" }?["category"] as? String == "vip")
        #expect(seats.first { $0["seat"] as? String == "A1" }?["flags"] as? [String] == ["wheelchair"])
        #expect(seats.first { $0["seat"] as? String == "A3" }?["category"] == nil)
        #expect(seats.first { $0["seat"] as? String == "C6" }?["reserved"] as? Bool == true)
        #expect((map["seq"] as? Int ?? 0) > 0 && map["session"] as? String == "eve" && map["hall"] as? String == "gala")
        let ranges = try #require((map["rows"] as? [[String: Any]])?.first?["ranges"] as? [[Int]])
        #expect(ranges == [[1, 4], [7, 10]])
        // The counts are AVAIL's.
        let counts = try #require(map["counts"] as? [String: Int])
        let avail = try await node.client.ok("AVAIL eve")
        #expect(
            avail
                == "OK free=\(counts["free"]!) held=\(counts["held"]!) sold=\(counts["sold"]!) "
                + "blocked=\(counts["blocked"]!) reserved=\(counts["reserved"]!)")
        // The index lists the session with the same counts.
        let index = try Self.json(try await Self.get(node.http, "/api/sessions").body)
        let listed = try #require((index["sessions"] as? [[String: Any]])?.first)
        #expect(listed["session"] as? String == "eve" && listed["held"] as? Int == counts["held"])
        #expect((index["halls"] as? [[String: Any]])?.first?["seats"] as? Int == 48)

        // Unknown sessions, bad parameters, and the pages.
        for path in ["/sessions/nope", "/api/sessions/nope", "/sessions/nope/events"] {
            #expect(try await Self.get(node.http, path).status == 404, "\(path)")
        }
        #expect(try await Self.get(node.http, "/sessions/eve/events?from=soon").status == 400)
        #expect(
            try await Self.get(node.http, "/sessions/eve/events", headers: [("Last-Event-ID", "x")]).status == 400)
        #expect(try await Self.get(node.http, "/api/sessions/bad%20id").status == 400)
        let page = try await Self.get(node.http, "/sessions/eve")
        #expect(page.status == 200 && page.type.hasPrefix("text/html"))
        #expect(try await Self.get(node.http, "/assets/seatd.css").type.hasPrefix("text/css"))
        #expect(try await Self.get(node.http, "/health").body == "ok\n")
        #expect(try await Self.get(node.http, "/ready").body == "ready\n")
        await node.close()
    }

    /// The events of one stream: each `id:` with its data's seq and type.
    final class Stream: @unchecked Sendable {
        var events: [(seq: LSN, type: String)] = []
        var pending = ""
        var id: LSN? = nil

        func feed(_ text: String) throws {
            self.pending += text
            while let newline = self.pending.firstIndex(of: "\n") {
                let line = String(self.pending[..<newline])
                self.pending.removeSubrange(...newline)
                if line.hasPrefix("id: ") { self.id = LSN(line.dropFirst(4)) }
                if line.hasPrefix("data: "), let id = self.id {
                    let data = try HTTPProcessTests.json(String(line.dropFirst(6)))
                    #expect(data["seq"] as? Int == Int(id))
                    self.events.append((id, data["type"] as! String))
                    self.id = nil
                }
            }
        }
    }

    /// Reads the stream of `eve` until `done` says so or it ends; returns what it read.
    static func read(
        _ port: Int, headers: [(String, String)] = [], query: String = "",
        until done: @escaping @Sendable (Stream) -> Bool
    ) async throws -> Stream {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/sessions/eve/events\(query)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        #expect(response.status.code == 200)
        #expect(response.headers.first(name: "content-type") == "text/event-stream")
        let stream = Stream()
        do {
            for try await chunk in response.body {
                try stream.feed(String(buffer: chunk))
                if done(stream) { break }
            }
        } catch {
            // The server was killed under the stream: what was read stands.
        }
        return stream
    }

    @Test func eventStreamResumesAcrossKill() async throws {
        let data = TemporaryDirectory.path("http-sse")
        defer { try? FileManager.default.removeItem(atPath: data) }
        var node = try await Node(data: data)
        for request in Self.venue { try await node.client.ok(request) }
        // 20 seats and 10 places, a hold each; every third confirmed. C3, C4 and C10 stay free for later.
        let seats = (1...4).map { "A\($0)" } + (7...10).map { "A\($0)" } + (1...10).map { "B\($0)" } + ["C1", "C2"]
        for index in 0..<30 {
            let item = index < seats.count ? seats[index] : "pit:1"
            let reply = try await node.client.ok("HOLD eve c\(index) \(item)")
            if index % 3 == 0 { try await node.client.ok("CONFIRM eve \(reply.split(separator: " ")[1])") }
        }
        // Half the events, then the server dies under the open stream.
        let first = try await Self.read(node.http, query: "?from=1") { $0.events.count >= 20 }
        #expect(first.events.count >= 20)
        let killed = node.http
        let open = Task { try await Self.read(killed) { _ in false } }
        try await Task.sleep(for: .milliseconds(200))
        node.server.kill(SIGKILL)
        _ = try await open.value
        await node.close()

        node = try await Node(data: data)
        defer { node.server.kill(SIGKILL) }
        try await node.client.ok("HOLD eve late C3 C4")
        let http = node.http
        let last = first.events.last!.seq
        // Resumed after the last event seen: the retained ones, then live ones as they happen, to the sentinel.
        let resumed = Task {
            try await Self.read(http, headers: [("Last-Event-ID", "\(last)")], query: "?from=1") {
                $0.events.last?.type == "blocked"
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        for index in 0..<10 { try await node.client.ok("HOLD eve live\(index) pit:1") }
        try await node.client.ok("BLOCK eve C10")
        let rest = try await resumed.value
        // The whole history, as the line protocol's WATCH gives it.
        var expected: [LSN] = []
        let watcher = try await LineClient.connect(
            to: try SocketAddress(ipAddress: "127.0.0.1", port: node.port), group: MultiThreadedEventLoopGroup.singleton
        )
        let watching = try await watcher.send(["WATCH eve from=1"])
        #expect(watching == ["OK"])
        var ended = false
        while !ended { ended = try await Self.lastWasBlock(watcher, into: &expected) }
        await watcher.close()
        let seen = first.events.map(\.seq) + rest.events.map(\.seq)
        #expect(seen == expected, "no gap and no duplicate across the kill")
        // 30 holds, 10 confirms, the late hold, 10 live holds, the BLOCK.
        let changes = 52
        #expect(seen.count == changes)
        await node.close()
    }

    /// Reads one EVENT line into `seqs`; true when it was the BLOCK that ends the test.
    static func lastWasBlock(_ client: LineClient, into seqs: inout [LSN]) async throws -> Bool {
        let line = try await client.next()
        let fields = line.split(separator: " ")
        seqs.append(LSN(fields[1])!)
        return fields[2] == "blocked"
    }

    @Test func authOnTheRoutes() async throws {
        let data = TemporaryDirectory.path("http-auth")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let tokens = ["SEATD_AUTH_TOKENS": "admin:admin-token-0123456789,reader:reader-token-0123456789"]
        let node = try await Node(data: data, environment: tokens, token: "admin-token-0123456789")
        defer { node.server.kill(SIGKILL) }
        for request in Self.venue { try await node.client.ok(request) }
        let reader = [("Authorization", "Bearer reader-token-0123456789")]
        let wrong = [("Authorization", "Bearer nobody-0123456789")]
        for path in ["/api/sessions", "/api/sessions/eve", "/sessions/eve/events?from=1"] {
            #expect(try await Self.get(node.http, path).status == 401, "\(path) without a token")
            #expect(try await Self.get(node.http, path, headers: wrong).status == 401, "\(path) with a wrong token")
        }
        #expect(try await Self.get(node.http, "/api/sessions", headers: reader).status == 200)
        #expect(try await Self.get(node.http, "/api/sessions/eve", headers: reader).status == 200)
        let stream = try await Self.read(node.http, headers: reader, query: "?from=1") { $0.events.isEmpty }
        #expect(stream.events.isEmpty)
        for path in ["/", "/sessions/eve", "/assets/seatd.js", "/health", "/ready", "/metrics"] {
            #expect(try await Self.get(node.http, path).status == 200, "\(path) needs no token")
        }
        await node.close()

        let guarded = TemporaryDirectory.path("http-auth-metrics")
        defer { try? FileManager.default.removeItem(atPath: guarded) }
        let metrics = try await Node(
            data: guarded, environment: tokens.merging(["SEATD_HTTP_METRICS_AUTH": "true"]) { $1 })
        defer { metrics.server.kill(SIGKILL) }
        #expect(try await Self.get(metrics.http, "/metrics").status == 401)
        #expect(try await Self.get(metrics.http, "/metrics", headers: reader).status == 200)
        await metrics.close()
    }

    @Test func metricsPassPromtool() async throws {
        guard
            let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            print("SKIP metricsPassPromtool: promtool is not installed (Debian's prometheus; make deps installs it)")
            return
        }
        let data = TemporaryDirectory.path("http-metrics")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let node = try await Node(data: data)
        defer { node.server.kill(SIGKILL) }
        for request in Self.venue { try await node.client.ok(request) }
        try await node.client.ok("HOLD eve ann ANY 2")
        _ = try await node.client.send(["HOLD eve ann Z99"])
        let metrics = try await Self.get(node.http, "/metrics")
        #expect(metrics.status == 200)
        for name in ["seatd_requests_total", "seatd_request_seconds", "seatd_fsync_seconds", "seatd_sessions"] {
            #expect(metrics.body.contains("# HELP \(name) "), "\(name) has HELP")
            #expect(metrics.body.contains("# TYPE \(name) "), "\(name) has TYPE")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(metrics.body.utf8))
        try input.fileHandleForWriting.close()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool check metrics: \(said)")
        #expect(said.isEmpty, "promtool check metrics: \(said)")
        await node.close()
    }

    @Test func streamsPastTheLimitAreRefused() async throws {
        let data = TemporaryDirectory.path("http-streams")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let node = try await Node(data: data, environment: ["SEATD_HTTP_MAX_STREAMS": "2"])
        defer { node.server.kill(SIGKILL) }
        for request in Self.venue { try await node.client.ok(request) }
        let http = node.http
        let open = (0..<2).map { _ in Task { try await Self.read(http) { $0.events.count >= 1 } } }
        try await Task.sleep(for: .milliseconds(500))
        let refused = try await Self.get(http, "/sessions/eve/events")
        #expect(refused.status == 503)
        try await node.client.ok("HOLD eve ann ANY 1")
        for stream in open { #expect(try await stream.value.events.count == 1) }
        // Their places are free again once the server sees the clients gone (it looks every second).
        try await Task.sleep(for: .seconds(2))
        let again = Task { try await Self.read(http) { $0.events.count >= 1 } }
        try await Task.sleep(for: .milliseconds(300))
        try await node.client.ok("HOLD eve bob ANY 1")
        #expect(try await again.value.events.count == 1)
        await node.close()
    }

    @Test func httpsWithTheTLSCertificate() async throws {
        let data = TemporaryDirectory.path("http-tls")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try FileManager.default.createDirectory(atPath: data + "-pki", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: data + "-pki") }
        let authority = try TestCertificateAuthority(name: "http-ca")
        try authority.writeCertificate(to: data + "-pki/ca.pem")
        let issued = try authority.issue(commonName: "seatd", in: data + "-pki", file: "server")
        let node = try await Node(
            data: data,
            environment: [
                "SEATD_TLS_PORT": "0", "SEATD_TLS_CERT": issued.certPath, "SEATD_TLS_KEY": issued.keyPath,
                "SEATD_HTTP_TLS": "true",
            ])
        defer { node.server.kill(SIGKILL) }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(data + "-pki/ca.pem")
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        let response = try await client.execute(
            HTTPClientRequest(url: "https://127.0.0.1:\(node.http)/health"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 10)
        #expect(response.status.code == 200 && String(buffer: body) == "ok\n")
        try await client.shutdown()
        // Plain HTTP on that port is refused (the handshake fails).
        await #expect(throws: (any Error).self) { _ = try await Self.get(node.http, "/health") }
        await node.close()
    }

    @Test func connectionsPastTheLimitWait() async throws {
        let data = TemporaryDirectory.path("http-connections")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let node = try await Node(data: data, environment: ["SEATD_HTTP_MAX_CONNECTIONS": "1"])
        defer { node.server.kill(SIGKILL) }
        // One idle connection takes the only place: a request on another is not served while it stays.
        let idle = try await LineClient.connect(
            to: try SocketAddress(ipAddress: "127.0.0.1", port: node.http), group: MultiThreadedEventLoopGroup.singleton
        )
        try await Task.sleep(for: .milliseconds(300))
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(node.http)/health")
        request.headers.add(name: "Connection", value: "close")
        await #expect(throws: (any Error).self) {
            _ = try await HTTPClient.shared.execute(request, timeout: .seconds(1)).body.collect(upTo: 1 << 10)
        }
        await idle.close()
        #expect(try await Self.get(node.http, "/health").body == "ok\n")
        await node.close()
    }
}
