import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import Server

/// Goal: with auth on, strangers cannot take a server from its clients: connections that have not authenticated
/// hold at most `limits.unauthenticated` slots and a new one closes the oldest (so an admin gets in while 1,000
/// strangers hold connections), a connection that does not authenticate within `limits.auth_timeout_ms` is
/// closed, failed AUTHs are answered ever later and the `limits.auth_failures`-th closes the connection, a failed
/// AUTH keeps the role the connection had, and `limits.connections_per_ip` caps one address. Method: the
/// in-process server of `EndToEndTests` over real loopback sockets (blocking `LineSocket`s for the crowds, on a
/// thread of their own).
@Suite(.serialized)
struct AdmissionTests {
    static func setup(_ change: (inout ServerSettings) -> Void = { _ in }) -> EndToEndTests.Setup {
        var setup = EndToEndTests.Setup()
        setup.tokens = [("adm", .admin), ("rdr", .reader)]
        change(&setup.settings)
        return setup
    }

    /// A blocking client whose reads give up after 30 s (a wrong expectation fails instead of hanging).
    static func socket(_ port: Int) throws -> LineSocket {
        let socket = try LineSocket(port: port)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return socket
    }

    /// What a test's socket work found wrong: it runs on a thread of its own (`run`), outside the test's task.
    final class Checks: @unchecked Sendable {
        private(set) var failures: [String] = []

        func expect(_ condition: Bool, _ what: @autoclosure () -> String = "", line: Int = #line) {
            if !condition { self.failures.append("line \(line): \(what())") }
        }
    }

    /// Runs `body` against a server of `setup` on a thread of its own (its sockets block: on the shared pool they
    /// would starve the tests that run beside these), then records what it found wrong.
    static func run(
        _ setup: EndToEndTests.Setup, _ body: @escaping @Sendable (Int, Checks) throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await EndToEndTests().withServer(setup) { port in
            let check = Checks()
            try await DrainProcessTests.offPool { try body(port, check) }
            #expect(check.failures.isEmpty, "\(check.failures)", sourceLocation: sourceLocation)
        }
    }

    /// Whether `socket` reads exactly `expected` next.
    static func reads(_ socket: LineSocket, _ expected: String) -> Bool {
        socket.read(count: expected.utf8.count) == expected
    }

    @Test func anAdminGetsInWhileAThousandStrangersHoldConnections() async throws {
        try await Self.run(Self.setup()) { port, check in
            // 4,096 connections, so at most 409 strangers: every stranger past that closes the oldest one.
            var strangers: [LineSocket] = []
            for _ in 0..<1_000 { strangers.append(try Self.socket(port)) }
            let (first, reset) = strangers[0].readToEnd()
            check.expect(first == "ERR NOAUTH closed to make room for a new connection: AUTH first\n" && !reset)
            let admin = try Self.socket(port)
            try admin.send("AUTH adm\nCREATE HALL h A=3\n")
            check.expect(Self.reads(admin, "OK admin\nOK h 3\n"))
            // The newest strangers still hold their slots (and get an answer).
            try strangers[999].send("PING\n")
            check.expect(Self.reads(strangers[999], "ERR NOAUTH authenticate first: AUTH <token>\n"))
        }
    }

    @Test func strangersNeverTakeAnAuthenticatedClientsSlot() async throws {
        let setup = Self.setup { $0.connectionsMax = 4 }
        try await Self.run(setup) { port, check in
            var clients: [LineSocket] = []
            for _ in 0..<4 {
                let client = try Self.socket(port)
                try client.send("AUTH rdr\n")
                check.expect(Self.reads(client, "OK reader\n"))
                clients.append(client)
            }
            // Every slot is an authenticated client's: a stranger is refused, and nobody is closed for it.
            let stranger = try Self.socket(port)
            check.expect(stranger.readToEnd() == ("ERR BUSY too many connections\n", false))
            try clients[0].send("PING\n")
            check.expect(Self.reads(clients[0], "OK PONG\n"))
        }
    }

    @Test func aConnectionThatDoesNotAuthenticateInTimeIsClosed() async throws {
        let setup = Self.setup { $0.authTimeoutMs = 200 }
        try await Self.run(setup) { port, check in
            let silent = try Self.socket(port)
            check.expect(silent.readToEnd() == ("ERR NOAUTH no AUTH within 200 ms\n", false))
            // Authenticated in time: the deadline no longer applies.
            let client = try Self.socket(port)
            try client.send("AUTH rdr\n")
            check.expect(Self.reads(client, "OK reader\n"))
            usleep(400_000)
            try client.send("PING\n")
            check.expect(Self.reads(client, "OK PONG\n"))
        }
    }

    @Test func failedAuthsAreAnsweredEverLaterAndTheFifthCloses() async throws {
        try await Self.run(Self.setup()) { port, check in
            let guesser = try Self.socket(port)
            let started = ContinuousClock.now
            try guesser.send(String(repeating: "AUTH guess\n", count: 6))
            let (text, reset) = guesser.readToEnd()
            check.expect(!reset)
            check.expect(
                text.split(separator: "\n")
                    == Array(repeating: "ERR NOAUTH invalid token", count: 4) + [
                        "ERR NOAUTH too many failed AUTH attempts"
                    ])
            // 50 + 100 + 200 + 400 ms of delays at least (a lower bound: sleeps never end early).
            check.expect(started.duration(to: .now) >= .milliseconds(750))

            // A failed AUTH keeps the role the connection had; failures after AUTH count too.
            let reader = try Self.socket(port)
            try reader.send("AUTH rdr\nAUTH wrong\nCREATE HALL h A=1\nHALLS\n")
            let expected = "OK reader\nERR NOAUTH invalid token\nERR FORBIDDEN reader may not do that\nOK\n"
            check.expect(Self.reads(reader, expected))
            try reader.send(String(repeating: "AUTH wrong\n", count: 4))
            check.expect(reader.readToEnd().0.hasSuffix("ERR NOAUTH too many failed AUTH attempts\n"))
        }
    }

    @Test func oneAddressHoldsAtMostItsShare() async throws {
        let setup = Self.setup { $0.connectionsPerIP = 3 }
        try await Self.run(setup) { port, check in
            // Each one answered before the next connects: connections are admitted on several loops at once.
            var three: [LineSocket] = []
            for _ in 0..<3 {
                let socket = try Self.socket(port)
                try socket.send("PING\n")
                check.expect(Self.reads(socket, "ERR NOAUTH authenticate first: AUTH <token>\n"))
                three.append(socket)
            }
            let fourth = try Self.socket(port)
            check.expect(fourth.readToEnd() == ("ERR BUSY too many connections from this address\n", false))
            try three[2].send("AUTH adm\n")
            check.expect(Self.reads(three[2], "OK admin\n"))
            // A slot freed is a slot again.
            shutdown(three[0].fd, Int32(SHUT_RDWR))
            usleep(200_000)
            let again = try Self.socket(port)
            try again.send("AUTH rdr\n")
            check.expect(Self.reads(again, "OK reader\n"))
        }
    }
}

/// Goal: `Admission`'s decisions on their own: the per-address cap, the strangers' cap with the oldest closed,
/// the connections' cap. Method: embedded channels.
struct AdmissionUnitTests {
    @Test func decisions() throws {
        var settings = ServerSettings()
        settings.connectionsPerIP = 2
        settings.unauthenticatedMax = 2
        settings.connectionsMax = 3
        let admission = Admission(settings: settings, authRequired: true)
        let channels = (0..<5).map { _ in EmbeddedChannel() }
        func admit(_ index: Int, _ address: String, open: Int) -> String {
            switch admission.admit(channels[index], address: address, open: open) {
            case .refused(let reason, _): return reason
            case .admitted(nil): return "in"
            case .admitted(let evict?):
                let evicted = channels.firstIndex { $0 === evict }.map(String.init) ?? "?"
                return "in, closing \(evicted)"
            }
        }
        #expect(admit(0, "a", open: 1) == "in")
        #expect(admit(1, "a", open: 2) == "in")
        #expect(admit(2, "a", open: 3) == "too many connections from this address")
        // A third stranger closes the oldest one.
        #expect(admit(2, "b", open: 3) == "in, closing 0")
        admission.authenticated(channels[2])
        admission.authenticated(channels[1])
        #expect(admission.strangers == 0)
        // Past the connections' cap with no stranger left: refused.
        #expect(admit(3, "c", open: 4) == "too many connections")
        admission.closed(channels[1], address: "a")
        #expect(admit(4, "a", open: 3) == "in")
    }
}
