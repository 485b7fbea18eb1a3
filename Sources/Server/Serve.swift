import ArgumentParser
import SeatActors
import WAL

/// `seatd [serve]`: recovers the data directory. The network server arrives with issue 4.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Recover the data directory and serve (the protocol arrives with issue 4).")

    @Option(help: "Configuration file.")
    var config: String = "config/seatd.conf"

    @Option(help: "Data directory (log in <data>/wal, snapshots in <data>/snapshots).")
    var data: String = "./data"

    mutating func run() async throws {
        let opened = try DataDirectory.open(self.data)
        for repair in opened.recovered.repairs { print("warning: \(repair)") }
        print("seatd \(Seatd.version): recovered \(self.data) through LSN \(opened.recovered.lastLSN) "
              + "(\(opened.recovered.state.halls.count) halls, \(opened.recovered.state.sessions.count) sessions); "
              + "the network server arrives with issue 4")
    }
}
