import ArgumentParser
import SeatActors

/// The seat reservation server. Until the line protocol lands (issue 4) it only reports its version and checks
/// its configuration.
@main
struct Seatd: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "seatd", abstract: "The seat reservation server.", version: Seatd.version)

    @Option(help: "Configuration file.")
    var config: String = "config/seatd.conf"

    mutating func run() async throws {
        print("seatd \(Seatd.version): the engine is built; the network server arrives with issue 4 (config \(self.config))")
    }
}
