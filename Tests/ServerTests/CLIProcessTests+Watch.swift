import Foundation
import SeatdTestSupport
import Testing

extension CLIProcessTests {
    /// The watcher starts from seq 1 after 10 holds, seatd is killed (-9) and started again on the same data
    /// directory and port, then 10 more holds: the watcher prints each of the 20 held events once, in seq order.
    @Test(.timeLimit(.minutes(3)))
    func watchPrintsEveryEventOnceAcrossAKillAndRestart() async throws {
        let data = TemporaryDirectory.path("cli-watch")
        defer { try? FileManager.default.removeItem(atPath: data) }
        var server = try await ProcessTests.Seatd(data: data)
        let port = server.port
        let setUp = "CREATE HALL h A=20\nCREATE SESSION s h\n" + (1...10).map { "HOLD s c\($0) A\($0)\n" }.joined()
        #expect(try await CLIRun.cli(["--port", "\(port)", "--pipe"], input: setUp).status == 0)

        let watcher = try CLIRun.Running(
            SeatdProcess.defaultBinary, ["cli", "--port", "\(port)", "--watch", "s", "--from", "1"])
        defer { watcher.stop() }
        #expect(await watcher.lines(atLeast: 10, within: 60), "\(watcher.printed)")
        #expect(server.kill(SIGKILL) == SIGKILL)
        try await Task.sleep(for: .milliseconds(300))  // a reconnect or two meets a closed port
        server = try await ProcessTests.Seatd(data: data, arguments: ["--port", "\(port)"])
        let more = (11...20).map { "HOLD s c\($0) A\($0)\n" }.joined()
        #expect(try await CLIRun.cli(["--port", "\(port)", "--pipe"], input: more).status == 0)
        #expect(await watcher.lines(atLeast: 20, within: 60), "\(watcher.printed)")
        try await Task.sleep(for: .milliseconds(200))  // an event printed twice would show by now

        let events = watcher.printed.output.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(events.count == 20, "\(watcher.printed.output)")
        #expect(events.map { String($0[5]) } == (1...20).map { "c\($0)" }, "each hold once, in order")
        let seqs = events.compactMap { UInt64($0[1]) }
        #expect(seqs.count == 20 && zip(seqs, seqs.dropFirst()).allSatisfy { $0 < $1 }, "\(seqs)")
        #expect(watcher.printed.errors.contains("resuming from seq \(seqs[9] + 1)"), "\(watcher.printed.errors)")
        #expect(server.kill(SIGTERM) == 0)
    }
}
