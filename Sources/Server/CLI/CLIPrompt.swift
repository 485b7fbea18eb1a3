import CEditLine

#if canImport(Glibc)
import Glibc
#endif

/// `seatd cli` at a terminal: a prompt with line editing and history (libedit), that sends each line entered and
/// prints its reply. Ctrl-D, `exit` or `quit` (which is sent: seatd answers `OK BYE`) end it. A connection that
/// was lost is opened again for the next line; a request whose reply was lost is not sent again (it may have been
/// carried out).
struct CLIPrompt {
    let target: CLITarget
    var history = CLIHistory(path: CLIHistory.defaultPath)

    func run() -> CLIStatus {
        var connection: CLIConnection
        do throws(CLIFailure) {
            connection = try CLIConnection.open(self.target, unsolicited: Self.show)
        } catch {
            return error.report()
        }
        stifle_history(Int32(CLIHistory.linesMax))
        for line in self.history.load() { add_history(line) }
        let prompt = "\(self.target.host):\(self.target.port)> "
        while let entered = readline(prompt) {
            let line = String(cString: entered)
            free(entered)
            guard !line.allSatisfy({ $0 == " " }) else { continue }
            if CLIHistory.keeps(line) {
                add_history(line)
                self.history.append(line)
            }
            let word = line.split(separator: " ").first?.lowercased()
            if word == "exit" { break }
            do throws(CLIFailure) {
                if !connection.channel.isActive { connection = try CLIConnection.open(self.target) }
                Self.show(try connection.ask(line))
            } catch {
                CLIStatus.warn(error.description)
            }
            if word == "quit" { break }  // seatd answers OK BYE and closes
        }
        connection.close()
        return .ok
    }

    /// A reply, or a line nobody asked for (an EVENT after a WATCH), printed as it came.
    static func show(_ line: String) {
        CLIOutput.line(line)
        CLIOutput.flush()
    }
}
