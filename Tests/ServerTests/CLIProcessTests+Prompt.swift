import Foundation
import SeatdTestSupport
import Testing

extension CLIProcessTests {
    /// `script` gives the cli a pseudo-terminal, so it opens its prompt; the typed lines are answered, `quit`
    /// ends it, and ~/.seatd_history (HOME a temp directory) holds the lines, without the AUTH that carries a token.
    @Test(.timeLimit(.minutes(2)))
    func thePromptAnswersTypedLinesAndKeepsTheirHistory() async throws {
        guard CLIRun.which("script") else {
            Issue.record("`script` (util-linux) is not installed")
            return
        }
        let data = TemporaryDirectory.path("cli-prompt")
        let home = TemporaryDirectory.path("cli-home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: home)
        }
        let server = try await ProcessTests.Seatd(data: data, environment: ["SEATD_AUTH_TOKENS": "admin:s3cret"])
        let command = "\(SeatdProcess.defaultBinary) cli --port \(server.port)"
        let prompt = "127.0.0.1:\(server.port)> "
        let script = try CLIRun.Running(
            "/usr/bin/script", ["-qfec", command, "/dev/null"], environment: ["HOME": home])
        defer { script.stop() }
        // One line at a time, each after the prompt that asks for it, as a person types.
        for (index, line) in ["AUTH s3cret", "PING", "CREATE HALL h A=3", "quit"].enumerated() {
            #expect(await script.shows(prompt, times: index + 1, within: 30), "\(script.printed)")
            script.type(line + "\n")
        }
        let run = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: script.waitForExit()) }.start()
        }
        #expect(run.status == 0, "\(run)")
        #expect(run.output.contains("OK PONG") && run.output.contains("OK h 3"), "\(run.output)")
        let history = try String(contentsOfFile: home + "/.seatd_history", encoding: .utf8)
        #expect(history == "PING\nCREATE HALL h A=3\nquit\n")
        #expect(server.kill(SIGTERM) == 0)
    }
}
