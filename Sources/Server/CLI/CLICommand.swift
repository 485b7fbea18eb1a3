import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `seatd cli`: talks the line protocol to a seatd, as `redis-cli` does to Redis. One request from the command
/// line; a prompt with line editing and history at a terminal; `--pipe` to load many requests fast; `--watch` to
/// follow the events across restarts. It runs on the calling thread and blocks; NIO does the socket work on a
/// thread of its own.
struct CLICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cli", abstract: "Send requests to a seatd: one, a prompt, a pipe, or WATCH its events.",
        discussion: """
            With a request (seatd cli MAP eve1) it prints the reply. With none, at a terminal, it opens a prompt \
            (history in ~/.seatd_history); with none and standard input not a terminal, it works as --pipe. \
            Exit status: 0 when every reply was OK, 1 when one was ERR (or AUTH was refused), 2 when the server \
            could not be reached or the connection was lost before every reply came.
            """)

    @Option(help: "The server's address.")
    var host = "127.0.0.1"
    @Option(help: "The server's port.")
    var port = 7070
    @Option(help: "AUTH token, sent first (default: the environment variable SEATD_AUTH).")
    var auth: String?
    @Flag(help: "Read requests from standard input, pipelined; print only the replies, one a line, in order.")
    var pipe = false
    @Option(help: "With --pipe: requests in flight at most.")
    var window = CLIPipe.windowDefault
    @Option(help: "Print the events of this session (* for every session); resume after a dropped connection.")
    var watch: String?
    @Option(help: "With --watch: the seq of the first event to print (default: the next change).")
    var from: UInt64?
    @Argument(
        parsing: .remaining,
        help: "A request to send, such as MAP eve1; options go before it (after --, words may start with -).")
    var request: [String] = []

    func validate() throws {
        let modes = [self.pipe, self.watch != nil, !self.request.isEmpty].filter { $0 }.count
        guard modes <= 1 else { throw ValidationError("give one of a request, --pipe and --watch") }
        guard self.from == nil || self.watch != nil else { throw ValidationError("--from goes with --watch") }
        guard (1...100_000).contains(self.window) else { throw ValidationError("--window is 1...100000") }
    }

    func run() throws {
        let token = self.auth ?? ProcessInfo.processInfo.environment["SEATD_AUTH"]
        let target = CLITarget(host: self.host, port: self.port, token: token)
        let status: CLIStatus
        if let watch = self.watch {
            status = CLIWatch(target: target, session: watch, from: self.from).run()
        } else if !self.request.isEmpty {
            status = Self.oneShot(target, self.request.joined(separator: " "))
        } else if self.pipe || isatty(STDIN_FILENO) == 0 {
            status = CLIPipe(target: target, window: self.window).run()
        } else {
            status = CLIPrompt(target: target).run()
        }
        CLIOutput.flush()
        if status != .ok { throw ExitCode(status.rawValue) }
    }

    /// Sends `request`, prints its reply: 0 for `OK...`, 1 for `ERR ...`.
    static func oneShot(_ target: CLITarget, _ request: String) -> CLIStatus {
        do throws(CLIFailure) {
            let connection = try CLIConnection.open(target)
            defer { connection.close() }
            let reply = try connection.ask(request)
            CLIOutput.line(reply)
            return reply.hasPrefix("OK") ? .ok : .refused
        } catch {
            return error.report()
        }
    }
}
