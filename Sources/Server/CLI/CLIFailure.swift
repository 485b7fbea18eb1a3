#if canImport(Glibc)
import Glibc
#endif

/// Why `seatd cli` could not do what it was asked, with the exit status each reason gets.
enum CLIFailure: Error, Equatable, CustomStringConvertible {
    /// No connection to the server: refused, unreachable, timed out.
    case cannotConnect(String)
    /// The connection ended before a request's reply came.
    case lost
    /// The server refused the AUTH token (its reply).
    case authRefused(String)

    var description: String {
        switch self {
        case .cannotConnect(let why): "cannot connect: \(why)"
        case .lost: "the connection was lost before the reply came"
        case .authRefused(let reply): "AUTH refused: \(reply)"
        }
    }

    /// 2 when the server could not be reached or dropped the connection, 1 when it refused.
    var status: CLIStatus {
        switch self {
        case .cannotConnect, .lost: .noServer
        case .authRefused: .refused
        }
    }

    /// Writes `seatd cli: <description>` to standard error and returns the exit status.
    func report() -> CLIStatus {
        CLIStatus.warn(self.description)
        return self.status
    }
}

/// The exit statuses of `seatd cli`.
enum CLIStatus: Int32 {
    /// Every reply was `OK...` (or the prompt ended normally).
    case ok = 0
    /// A reply was `ERR ...`, or AUTH was refused.
    case refused = 1
    /// The server could not be reached, or the connection was lost before every reply came.
    case noServer = 2

    /// One line on standard error, `seatd cli: <text>`.
    static func warn(_ text: String) {
        CLIOutput.warn(text)
    }
}
