import ArgumentParser
import Foundation

/// The load generator: drives seatd (or, in `engine` mode, the seat engine in-process) and reports
/// throughput and latency percentiles.
@main
struct SeatLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seat-load",
        abstract: "Load generator and benchmarks for seatd.",
        discussion: """
            Scenarios over the wire protocol: rush (a premiere sell-out), steady (closed loop on many sessions)
            and open (fixed arrival rates). Their --target is seatd://host:port, or redis://host:port for the same
            requests against Redis through LoadTests/redis/seats.lua (seatd's semantics as one Lua script, loaded
            with SCRIPT LOAD when the run starts). PostgreSQL runs the same transactions through pgbench with the
            scripts in LoadTests/postgres; pgbench-report turns its logs into the same summary, and compare prints
            summaries side by side (make bench-compare does all of it). engine and recover measure the engine and
            the log in-process.
            """,
        subcommands: [
            RushBenchmark.self, SteadyBenchmark.self, VenueBenchmark.self, CheckoutBenchmark.self, OpenBenchmark.self,
            CompareTable.self, PgbenchReport.self,
            EngineBenchmark.self, PathBenchmark.self, RecoverBenchmark.self, CrashTest.self, NetFuzzTest.self,
            DiskFullTest.self,
            FailoverTest.self,
        ])
}

/// Prints a line to standard output at once, also when it is a pipe (progress lines of long runs).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
