import Foundation
import Testing

@testable import Server

/// Goal: with auth on, strangers cannot take a server from its clients: connections that have not authenticated
/// hold at most `limits.unauthenticated` slots and a new one closes the oldest (so an admin gets in while 1,000
/// strangers hold connections), a connection that does not authenticate within `limits.auth_timeout_ms` is
/// closed, failed AUTHs are answered ever later and the `limits.auth_failures`-th closes the connection, a failed
/// AUTH keeps the role the connection had, and `limits.connections_per_ip` caps one address. Method: the
/// in-process server of `EndToEndTests` over real loopback sockets (blocking `LineSocket`s for the crowds; one test
/// at a time, as each blocks a thread of the shared pool while it reads).
@Suite(.serialized)
struct AdmissionTests {
    static func setup(_ change: (inout ServerSettings) -> Void = { _ in }) -> EndToEndTests.Setup {
        var setup = EndToEndTests.Setup()
        setup.tokens = [("adm", .admin), ("rdr", .reader)]
        change(&setup.settings)
        return setup
    }

    @Test func anAdminGetsInWhileAThousandStrangersHoldConnections() async throws {
        try await EndToEndTests().withServer(Self.setup()) { port in
            // 4,096 connections, so at most 409 strangers: every stranger past that closes the oldest one.
            var strangers: [LineSocket] = []
            for _ in 0..<1_000 { strangers.append(try LineSocket(port: port)) }
            let (first, reset) = strangers[0].readToEnd()
            #expect(first == "ERR NOAUTH closed to make room for a new connection: AUTH first\n" && !reset)
            let admin = try LineSocket(port: port)
            try admin.send("AUTH adm\nCREATE HALL h A=3\n")
            #expect(admin.read(count: 17) == "OK admin\nOK h 3\n")
            // The newest strangers still hold their slots (and get an answer).
            try strangers[999].send("PING\n")
            #expect(strangers[999].read(count: 44) == "ERR NOAUTH authenticate first: AUTH <token>\n")
        }
    }

    @Test func strangersNeverTakeAnAuthenticatedClientsSlot() async throws {
        let setup = Self.setup { $0.connectionsMax = 4 }
        try await EndToEndTests().withServer(setup) { port in
            var clients: [LineSocket] = []
            for _ in 0..<4 {
                let client = try LineSocket(port: port)
                try client.send("AUTH rdr\n")
                #expect(client.read(count: 10) == "OK reader\n")
                clients.append(client)
            }
            // Every slot is an authenticated client's: a stranger is refused, and nobody is closed for it.
            let stranger = try LineSocket(port: port)
            #expect(stranger.readToEnd() == ("ERR BUSY too many connections\n", false))
            try clients[0].send("PING\n")
            #expect(clients[0].read(count: 8) == "OK PONG\n")
        }
    }

    @Test func aConnectionThatDoesNotAuthenticateInTimeIsClosed() async throws {
        let setup = Self.setup { $0.authTimeoutMs = 200 }
        try await EndToEndTests().withServer(setup) { port in
            let silent = try LineSocket(port: port)
            #expect(silent.readToEnd() == ("ERR NOAUTH no AUTH within 200 ms\n", false))
            // Authenticated in time: the deadline no longer applies.
            let client = try LineSocket(port: port)
            try client.send("AUTH rdr\n")
            #expect(client.read(count: 10) == "OK reader\n")
            try await Task.sleep(for: .milliseconds(400))
            try client.send("PING\n")
            #expect(client.read(count: 8) == "OK PONG\n")
        }
    }

    @Test func failedAuthsAreAnsweredEverLaterAndTheFifthCloses() async throws {
        try await EndToEndTests().withServer(Self.setup()) { port in
            let guesser = try LineSocket(port: port)
            let started = ContinuousClock.now
            try guesser.send(String(repeating: "AUTH guess\n", count: 6))
            let (text, reset) = guesser.readToEnd()
            #expect(!reset)
            #expect(
                text.split(separator: "\n")
                    == Array(repeating: "ERR NOAUTH invalid token", count: 4) + [
                        "ERR NOAUTH too many failed AUTH attempts"
                    ])
            // 50 + 100 + 200 + 400 ms of delays at least (a lower bound: sleeps never end early).
            #expect(started.duration(to: .now) >= .milliseconds(750))

            // A failed AUTH keeps the role the connection had; failures after AUTH count too.
            let reader = try LineSocket(port: port)
            try reader.send("AUTH rdr\nAUTH wrong\nCREATE HALL h A=1\nHALLS\n")
            let expected = "OK reader\nERR NOAUTH invalid token\nERR FORBIDDEN reader may not do that\nOK\n"
            #expect(reader.read(count: expected.utf8.count) == expected)
            try reader.send(String(repeating: "AUTH wrong\n", count: 4))
            #expect(reader.readToEnd().0.hasSuffix("ERR NOAUTH too many failed AUTH attempts\n"))
        }
    }

    @Test func oneAddressHoldsAtMostItsShare() async throws {
        let setup = Self.setup { $0.connectionsPerIP = 3 }
        try await EndToEndTests().withServer(setup) { port in
            let three = try (0..<3).map { _ in try LineSocket(port: port) }
            let fourth = try LineSocket(port: port)
            #expect(fourth.readToEnd() == ("ERR BUSY too many connections from this address\n", false))
            try three[2].send("AUTH adm\n")
            #expect(three[2].read(count: 9) == "OK admin\n")
            // A slot freed is a slot again.
            shutdown(three[0].fd, Int32(SHUT_RDWR))
            try await Task.sleep(for: .milliseconds(200))
            let again = try LineSocket(port: port)
            try again.send("AUTH rdr\n")
            #expect(again.read(count: 10) == "OK reader\n")
        }
    }
}
