import Foundation
import Synchronization

/// `seatd cli --watch <session>|*`: prints the `EVENT` lines of a WATCH as they come. When the connection drops
/// (a restart, `ERR BUSY`), it connects again, retrying with backoff, and resumes with `from=<last seq + 1>`, so
/// no event is printed twice or skipped. Without `--from` it starts after the server's `last_lsn` (from STATS), so
/// even a drop before the first event loses nothing.
final class CLIWatch: Sendable {
    /// The first wait before connecting again; it doubles up to `retryMaxMs`.
    static let retryFirstMs = 100
    static let retryMaxMs = 5_000

    let target: CLITarget
    let session: String
    /// The seq of the next event to print (nil: from the server's present).
    let next: Mutex<UInt64?>

    init(target: CLITarget, session: String, from: UInt64?) {
        self.target = target
        self.session = session
        self.next = Mutex(from)
    }

    func run() -> CLIStatus {
        var retryMs = Self.retryFirstMs
        var connected = false
        while true {
            do throws(CLIFailure) {
                let connection = try CLIConnection.open(self.target, unsolicited: { self.show($0) })
                connected = true
                let request = try self.watchRequest(connection)
                let reply = try connection.ask(request)
                guard reply.hasPrefix("OK") else {
                    CLIStatus.warn("\(request): \(reply)")
                    connection.close()
                    return .refused
                }
                retryMs = Self.retryFirstMs
                connection.waitUntilClosed()
                let from = self.next.withLock { $0 }.map { " from seq \($0)" } ?? ""
                CLIStatus.warn("the connection was lost; resuming\(from)")
            } catch .authRefused(let reply) {
                return CLIFailure.authRefused(reply).report()
            } catch {
                guard connected else { return error.report() }
            }
            usleep(UInt32(retryMs) * 1_000)
            retryMs = min(2 * retryMs, Self.retryMaxMs)
        }
    }

    /// `WATCH <session> from=<next>`; the first time without `--from`, `next` is the server's last_lsn + 1.
    private func watchRequest(_ connection: CLIConnection) throws(CLIFailure) -> String {
        if self.next.withLock({ $0 }) == nil {
            let stats = try connection.ask("STATS")
            let field = stats.split(separator: " ").first { $0.hasPrefix("last_lsn=") }
            if let last = field.flatMap({ UInt64($0.dropFirst(9)) }) { self.next.withLock { $0 = $0 ?? last + 1 } }
        }
        guard let next = self.next.withLock({ $0 }) else { return "WATCH \(self.session)" }
        return "WATCH \(self.session) from=\(next)"
    }

    /// An event is printed once: one with a seq below `next` was printed before the reconnect. Any other line (an
    /// `ERR BUSY` before the server closes) goes to standard error.
    private func show(_ line: String) {
        let fields = line.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0] == "EVENT", let seq = UInt64(fields[1]) else {
            CLIStatus.warn("the server sent: \(line)")
            return
        }
        let fresh = self.next.withLock { next in
            guard seq >= next ?? 0 else { return false }
            next = seq + 1
            return true
        }
        if fresh { CLIOutput.line(line) }
    }
}
