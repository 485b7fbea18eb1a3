import ArgumentParser
import SeatActors

/// The seat reservation server: `seatd` (the `serve` subcommand) recovers the data directory and serves the line
/// protocol; `seatd check` verifies a data directory; `seatd cluster` writes and shows a cluster's layout in etcd.
@main
struct Seatd: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "seatd", abstract: "The seat reservation server.", version: Seatd.version,
        subcommands: [Serve.self, Check.self, ClusterCommand.self], defaultSubcommand: Serve.self)
}
