import Foundation
import SeatdTestSupport
import Testing

/// Goal: `seatd cli` does what docs/clients.md says against a real server: a one-shot request exits 0, 1 or 2;
/// `--pipe` answers 10,000 requests in order; `--watch` prints every event exactly once across a `kill -9` and
/// restart of seatd; the prompt, driven through a pseudo-terminal, keeps its history in ~/.seatd_history.
/// Method: the built `seatd` serves (SeatdProcess) and the same binary runs as `seatd cli` in a child process
/// (`CLIRun`), fed on standard input; every blocking read or wait runs on a thread of its own, never on the
/// cooperative pool.
struct CLIProcessTests {
    @Test(.timeLimit(.minutes(2)))
    func oneShotExitsZeroOnOKOneOnERRAndTwoWithoutAServer() async throws {
        let data = TemporaryDirectory.path("cli-once")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try await ProcessTests.Seatd(data: data)
        let port = "\(server.port)"
        let pong = try await CLIRun.cli(["--port", port, "PING"])
        #expect(pong.status == 0 && pong.output == "OK PONG\n", "\(pong)")
        let created = try await CLIRun.cli(["--port", port, "CREATE", "HALL", "h", "A=4"])
        #expect(created.status == 0 && created.output == "OK h 4\n", "\(created)")
        let refused = try await CLIRun.cli(["--port", port, "HOLD", "nosuch", "ann", "A1"])
        #expect(refused.status == 1 && refused.output.hasPrefix("ERR NO_SUCH_SESSION"), "\(refused)")
        #expect(server.kill(SIGTERM) == 0)

        let closed = try LoopbackPort.refusing()
        defer { close(closed.fd) }
        let down = try await CLIRun.cli(["--port", "\(closed.port)", "PING"])
        #expect(down.status == 2 && down.output.isEmpty && down.errors.contains("cannot connect"), "\(down)")
    }

    @Test(.timeLimit(.minutes(2)))
    func authIsSentFirstAndARefusedTokenExitsOne() async throws {
        let data = TemporaryDirectory.path("cli-auth")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try await ProcessTests.Seatd(data: data, environment: ["SEATD_AUTH_TOKENS": "admin:s3cret"])
        let port = "\(server.port)"
        let fromFlag = try await CLIRun.cli(["--port", port, "--auth", "s3cret", "HALLS"])
        #expect(fromFlag.status == 0 && fromFlag.output == "OK\n", "\(fromFlag)")
        let fromEnvironment = try await CLIRun.cli(["--port", port, "HALLS"], environment: ["SEATD_AUTH": "s3cret"])
        #expect(fromEnvironment.status == 0 && fromEnvironment.output == "OK\n", "\(fromEnvironment)")
        let wrong = try await CLIRun.cli(["--port", port, "--auth", "wrong", "HALLS"])
        #expect(wrong.status == 1 && wrong.output.isEmpty && wrong.errors.contains("AUTH refused"), "\(wrong)")
        let none = try await CLIRun.cli(["--port", port, "HALLS"])
        #expect(none.status == 1 && none.output.hasPrefix("ERR NOAUTH"), "\(none)")
        #expect(server.kill(SIGTERM) == 0)
    }

    /// A hall of 200 seats (small: a debug seatd checks the whole map after every change); 50 rounds over its
    /// seats, BLOCK in even rounds and UNBLOCK in odd ones, except that the last round blocks the even seats again
    /// and unblocks the odd ones. Each reply names its seat, so a reply out of order shows.
    @Test(.timeLimit(.minutes(3)))
    func pipeAnswersTenThousandRequestsInOrder() async throws {
        let data = TemporaryDirectory.path("cli-pipe")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try await ProcessTests.Seatd(data: data)
        let port = "\(server.port)"
        let seats = ["A", "B"].flatMap { row in (1...100).map { "\(row)\($0)" } }
        let setUp = try await CLIRun.cli(
            ["--port", port, "--pipe"], input: "CREATE HALL h A=100 B=100\nCREATE SESSION s h\n")
        #expect(setUp.status == 0 && setUp.output == "OK h 200\nOK s 200\n", "\(setUp)")
        let requests = (0..<10_000).map { index in
            let (round, seat) = index.quotientAndRemainder(dividingBy: seats.count)
            let blocks = round == 49 ? seat % 2 == 0 : round % 2 == 0
            return "\(blocks ? "BLOCK" : "UNBLOCK") s \(seats[seat])"
        }
        let piped = try await CLIRun.cli(["--port", port, "--pipe"], input: requests.joined(separator: "\n") + "\n")
        #expect(piped.status == 0 && piped.errors.isEmpty, "\(piped.status) \(piped.errors)")
        let replies = piped.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(replies.count == 10_000)
        for (index, reply) in replies.enumerated() where reply != "OK s \(seats[index % seats.count])" {
            Issue.record("reply \(index) to \(requests[index]): \(reply)")
            break
        }
        let map = try await CLIRun.cli(["--port", port, "MAP", "s"])
        let row = String(repeating: "b.", count: 50)
        #expect(map.status == 0 && map.output == "OK A:\(row) B:\(row)\n", "\(map)")
        let avail = try await CLIRun.cli(["--port", port, "AVAIL", "s"])
        #expect(avail.output == "OK free=100 held=0 sold=0 blocked=100 reserved=0\n", "\(avail)")

        // Blank lines get no reply and are skipped; a CR is dropped; the last line needs no LF; one ERR makes 1.
        let mixed = try await CLIRun.cli(["--port", port, "--pipe"], input: "PING\n\nHOLD s x A1\r\n  \nPING")
        #expect(mixed.status == 1 && mixed.output == "OK PONG\nERR TAKEN A1\nOK PONG\n", "\(mixed)")
        // seatd closes after QUIT: the two requests behind it get no reply, and the cli says so and exits 2.
        let quit = try await CLIRun.cli(["--port", port, "--pipe"], input: "PING\nQUIT\nPING\nPING\n")
        #expect(quit.status == 2 && quit.output == "OK PONG\nOK BYE\n", "\(quit)")
        #expect(quit.errors.contains("2 requests got no reply"), "\(quit)")
        #expect(server.kill(SIGTERM) == 0)
    }
}
