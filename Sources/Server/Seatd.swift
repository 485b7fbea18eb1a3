import ArgumentParser
import SeatActors
import WAL

/// The seat reservation server: `seatd` (the `serve` subcommand) recovers the data directory and serves the line
/// protocol; `seatd check` verifies a data directory; `seatd cluster` writes and shows a cluster's layout in etcd.
/// `seatd cli` talks to a running seatd.
public struct Seatd: AsyncParsableCommand {
    static let version = "0.1.0"

    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "seatd", abstract: "The seat reservation server.", version: Seatd.version,
        subcommands: [Serve.self, Check.self, ClusterCommand.self, CLICommand.self], defaultSubcommand: Serve.self)

    /// ArgumentParser's `main`, except that a bad setting or an unusable path (`StartupError`,
    /// `SeatdConfig.Invalid`, a `WALError` while opening the data directory) is one line on standard error,
    /// `seatd: <what> (<path>): <reason>`, without the usage text; a command line that does not parse still gets
    /// the usage. The `seatd` executable's entry (Sources/seatd/main.swift); not named `main`, which a call could
    /// take for ArgumentParser's synchronous `main()`.
    public static func runCommandLine() async {
        do {
            var command = try await Self.asyncParseAsRoot(nil)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as StartupError {
            error.exit()
        } catch let error as SeatdConfig.Invalid {
            StartupError(error.description).exit()
        } catch let error as WALError {
            StartupError(opening: error).exit()
        } catch {
            Self.exit(withError: error)
        }
    }
}
