import Foundation
import ArgumentParser

/// The load generator: drives seatd (or, in `engine` mode, the seat engine in-process) and reports
/// throughput and latency percentiles.
@main
struct SeatLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seat-load",
        abstract: "Load generator and benchmarks for seatd.",
        subcommands: [RushBenchmark.self, SteadyBenchmark.self, EngineBenchmark.self, RecoverBenchmark.self])
}

/// Prints a line to standard output at once, also when it is a pipe (progress lines of long runs).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
