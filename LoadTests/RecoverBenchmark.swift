import ArgumentParser
import SeatActors
import Store
import WAL

/// `seat-load recover`: times opening a data directory as seatd's start would (newest snapshot, then the log).
struct RecoverBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Time the recovery of a data directory (snapshot load plus log replay), read-only.")

    @Option(help: "The data directory (with wal/ and snapshots/).")
    var data: String

    func run() throws {
        let start = ContinuousClock.now
        let opened = try DataDirectory.open(self.data, repair: false)
        let elapsed = start.duration(to: .now)
        let seconds = elapsed.inSeconds
        let walBytes = try PosixStorage().list(DataDirectory.walDirectory(self.data)).count
        let recovered = opened.recovered
        print(
            "snapshot LSN \(opened.snapshotLSN.map(String.init) ?? "none"), \(walBytes) segment(s), "
                + "\(recovered.records) records replayed, last LSN \(recovered.lastLSN)")
        print(
            "recovered \(recovered.state.halls.count) halls, \(recovered.state.sessions.count) sessions in "
                + "\(Int(seconds * 1_000)) ms = \(Int(Double(recovered.records) / max(seconds, 1e-9))) records/s")
        for repair in recovered.repairs { print("would repair: \(repair)") }
    }
}
