import ArgumentParser

/// The load generator: drives seatd (or, in `engine` mode, the seat engine in-process) and reports
/// throughput and latency percentiles.
@main
struct SeatLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seat-load",
        abstract: "Load generator and benchmarks for seatd.",
        subcommands: [EngineBenchmark.self, RecoverBenchmark.self])
}
