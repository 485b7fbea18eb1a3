import ArgumentParser
import Foundation
import SeatActors
import Store
import WAL

#if canImport(Glibc)
import Glibc
#endif

/// `seatd check --data <dir> [--fix]`: verifies snapshots and the log without changing anything, and with
/// `--fix` (refused while a server holds the directory) backs the log up and cuts it at the first damage.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a data directory; with --fix, back up the log and cut it at the first damaged batch.")

    @Option(help: "Data directory.")
    var data: String = "./data"

    @Flag(help: "Back up <data>/wal, then truncate the log at the first bad batch (what follows it is lost).")
    var fix = false

    func run() throws {
        // Never write to what may be a mistyped path: a missing or empty directory is an error, not an empty log.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.data, isDirectory: &isDirectory), isDirectory.boolValue else {
            print("error: no data directory at \(self.data)")
            throw ExitCode(2)
        }
        let wal = DataDirectory.walDirectory(self.data)
        guard FileManager.default.fileExists(atPath: wal) else {
            print("error: \(self.data) is not a seatd data directory (it has no wal/)")
            throw ExitCode(2)
        }
        // --fix changes the log: never under a running server. A plain check only reads.
        var lock: DataDirectoryLock? = nil
        if self.fix {
            do { lock = try DataDirectoryLock(self.data) } catch {
                print("error: \(error)")
                throw ExitCode(2)
            }
        }
        defer { withExtendedLifetime(lock) {} }
        do {
            let opened = try DataDirectory.open(self.data, repair: false)
            self.summarise(opened)
        } catch let damage as WALError {
            print("damaged: \(damage)")
            guard self.fix, case .damaged = damage else { throw ExitCode(1) }
            let backup = self.data + "/wal.backup-\(time(nil))"
            let report = try Repair.cut(data: self.data, at: damage, backupDirectory: backup)
            print("backed up the log to \(report.backup); cut \(report.cut)")
            for segment in report.removedSegments { print("removed \(segment)") }
            self.summarise(try DataDirectory.open(self.data, repair: true))
        }
    }

    private func summarise(_ opened: DataDirectory.Opened) {
        let recovered = opened.recovered
        for snapshot in opened.damagedSnapshots { print("damaged snapshot skipped: \(snapshot)") }
        for repair in recovered.repairs { print("repairable: \(repair)") }
        let sessions = recovered.state.sessions.values
        let holds = sessions.reduce(0) { $0 + $1.holds.count }
        let sold = sessions.reduce(0) { $0 + $1.seats.soldCount }
        print(
            "ok: snapshot LSN \(opened.snapshotLSN.map(String.init) ?? "none"), \(recovered.records) records "
                + "replayed, last LSN \(recovered.lastLSN); \(recovered.state.halls.count) halls, \(sessions.count) "
                + "sessions, \(holds) live holds and bookings, \(sold) seats sold")
    }
}
