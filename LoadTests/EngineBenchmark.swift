import ArgumentParser
import Foundation
import Histogram
import SeatActors

/// `seat-load engine`: the seat engine in-process, no network and no log, many tasks over many sessions.
/// Each task loops: HOLD 2 random seats of a random session; on OK, CONFIRM then CANCEL (half the time) or
/// RELEASE. Every call is one operation; it prints operations/s, seat operations/s and latency percentiles.
struct EngineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Drive the seat engine in-process (no network, no log) and report operations per second.")

    @Option(help: "Sessions, each of its own hall.")
    var sessions = 100
    @Option(help: "Rows per hall.")
    var rows = 20
    @Option(help: "Seats per row.")
    var seatsPerRow = 25
    @Option(help: "Concurrent tasks driving the engine.")
    var tasks = 64
    @Option(help: "Seconds to run.")
    var seconds = 5.0
    @Option(help: "Seed for seat choices.")
    var seed: UInt64 = 1
    @Flag(name: .customLong("seeded-ids"), help: "Draw hold ids from a seeded generator instead of the system's secure source (as seatd does).")
    var seededIDs = false

    func run() async throws {
        let ids: any HoldIDSource = self.seededIDs ? SeededHoldIDSource(seed: self.seed) : SystemHoldIDSource()
        let registry = Registry(log: InMemoryChangeLog(), ids: ids)
        let specs = (0..<self.rows).map { RowSpec(label: EngineBenchmark.rowLabel($0), ranges: [1...self.seatsPerRow]) }
        _ = try registry.createHall(id: "bench", rows: specs)
        var sessions: [Session] = []
        for index in 0..<self.sessions {
            sessions.append(try registry.createSession(try SessionConfig(id: "s\(index)", hallID: "bench")))
        }
        let labels = specs.flatMap { spec in (1...self.seatsPerRow).map { SeatLabel(row: spec.label, number: $0) } }
        let deadline = ContinuousClock.now + .milliseconds(Int(self.seconds * 1_000))
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: Worker.Result.self) { group in
            for task in 0..<self.tasks {
                let worker = Worker(sessions: sessions, labels: labels, seed: self.seed &+ UInt64(task) &* 7919)
                group.addTask { await worker.run(until: deadline) }
            }
            var all: [Worker.Result] = []
            for await result in group { all.append(result) }
            return all
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var operations = 0
        var seatOperations = 0
        var refusals = 0
        for result in results {
            histogram.add(result.latencyNs)
            operations += result.operations
            seatOperations += result.seatOperations
            refusals += result.refusals
        }
        print("engine: \(self.sessions) sessions x \(self.rows * self.seatsPerRow) seats, \(self.tasks) tasks, "
              + String(format: "%.1f s", seconds))
        print("\(Int(Double(operations) / seconds)) ops/s")
        print("\(Int(Double(seatOperations) / seconds)) seat ops/s")
        print("operations \(operations), refused (TAKEN) \(refusals)")
        for percentile in [50.0, 90.0, 99.0, 99.9, 100.0] {
            let ns = histogram.valueAtPercentile(percentile)
            print(String(format: "p%-5g %8.2f us", percentile, Double(ns) / 1_000))
        }
    }

    static func rowLabel(_ index: Int) -> String {
        var index = index
        var label = ""
        repeat {
            label = String(UnicodeScalar(UInt8(65 + index % 26))) + label
            index = index / 26 - 1
        } while index >= 0
        return label
    }
}

/// One benchmark task with its own random source and histogram.
struct Worker: Sendable {
    struct Result: Sendable {
        var operations = 0
        var seatOperations = 0
        var refusals = 0
        var latencyNs = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    let sessions: [Session]
    let labels: [SeatLabel]
    let seed: UInt64

    func run(until deadline: ContinuousClock.Instant) async -> Result {
        var random = SplitMix(state: self.seed)
        var result = Result()
        let clock = ContinuousClock()
        while clock.now < deadline {
            let session = self.sessions[Int(random.next() % UInt64(self.sessions.count))]
            let first = Int(random.next() % UInt64(self.labels.count - 1))
            let seats = [self.labels[first], self.labels[first + 1]]
            let start = clock.now
            let held = await session.hold(customer: "c", selection: .explicit(seats))
            result.record(since: start, seats: 2, clock: clock)
            guard case .success(let reply) = held.result else {
                result.refusals += 1
                continue
            }
            if random.next() & 1 == 0 {
                let confirmStart = clock.now
                _ = await session.confirm(reply.holdID)
                result.record(since: confirmStart, seats: 2, clock: clock)
                let cancelStart = clock.now
                _ = await session.cancel(reply.holdID)
                result.record(since: cancelStart, seats: 2, clock: clock)
            } else {
                let releaseStart = clock.now
                _ = await session.release(reply.holdID)
                result.record(since: releaseStart, seats: 2, clock: clock)
            }
        }
        return result
    }
}

extension Worker.Result {
    mutating func record(since start: ContinuousClock.Instant, seats: Int, clock: ContinuousClock) {
        let elapsed = start.duration(to: clock.now)
        let ns = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        _ = self.latencyNs.record(UInt64(max(ns, 0)))
        self.operations += 1
        self.seatOperations += seats
    }
}

/// SplitMix64: a tiny, fast, seeded generator for workload choices.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
