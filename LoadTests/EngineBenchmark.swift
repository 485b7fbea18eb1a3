import ArgumentParser
import Foundation
import Histogram
import SeatActors
import Store
import WAL

/// `seat-load engine`: the seat engine in-process, no network, many tasks over many sessions.
/// Each task loops: HOLD 2 random seats of a random session; on OK, CONFIRM then CANCEL (half the time) or
/// RELEASE. Every successful call is one operation; it prints successful operations/s, seat operations/s and their
/// latency percentiles, and the refused calls by error kind (refusals are not work).
/// With `--data <dir>` every change goes to a real write-ahead log there and each operation waits until it is
/// durable (as a reply would); it then also prints the log's figures and times a full replay of the log.
struct EngineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Drive the seat engine in-process (no network) and report operations per second.",
        discussion: """
            Without --data the changes go nowhere (an in-memory sequencer): this measures the engine alone.
            With --data DIR (an empty or missing directory) they go to a real log under DIR/wal with the chosen
            --fsync policy, every operation waits for durability, and a replay of the log is timed at the end.
            """)

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
    @Option(help: "Log every change to a write-ahead log in this (empty) directory and wait for durability.")
    var data: String?
    @Option(help: "fsync policy with --data: always, interval=<ms> or off.")
    var fsync = "always"
    @Option(name: .customLong("segment-mib"), help: "Segment size in MiB with --data.")
    var segmentMiB = 64
    @Flag(
        name: .customLong("seeded-ids"),
        help: "Draw hold ids from a seeded generator instead of the system's secure source (as seatd does).")
    var seededIDs = false

    func run() async throws {
        let ids: any HoldIDSource = self.seededIDs ? SeededHoldIDSource(seed: self.seed) : SystemHoldIDSource()
        let service = try self.makeService(ids: ids)
        let registry = service?.registry ?? Registry(log: InMemoryChangeLog(), ids: ids)
        let specs = (0..<self.rows).map {
            RowSpec(label: RowSpec.label(forRowIndex: $0), ranges: [1...self.seatsPerRow])
        }
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
                let worker = Worker(
                    sessions: sessions, labels: labels, seed: self.seed &+ UInt64(task) &* 7919,
                    service: service)
                group.addTask { await worker.run(until: deadline) }
            }
            var all: [Worker.Result] = []
            for await result in group { all.append(result) }
            return all
        }
        let elapsed = start.duration(to: .now)
        let seconds = elapsed.inSeconds
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var operations = 0
        var seatOperations = 0
        var refusals: [String: Int] = [:]
        for result in results {
            histogram.add(result.latencyNs)
            operations += result.operations
            seatOperations += result.seatOperations
            refusals.merge(result.refusals, uniquingKeysWith: +)
        }
        print(
            "engine: \(self.sessions) sessions x \(self.rows * self.seatsPerRow) seats, \(self.tasks) tasks, "
                + String(format: "%.1f s", seconds))
        print("\(Int(Double(operations) / seconds)) ops/s (successful operations only)")
        print("\(Int(Double(seatOperations) / seconds)) seat ops/s")
        let refused = refusals.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        print(
            "operations \(operations), refused \(refusals.values.reduce(0, +))"
                + (refused.isEmpty ? "" : " (\(refused.joined(separator: " ")))"))
        for percentile in [50.0, 90.0, 99.0, 99.9, 100.0] {
            let ns = histogram.valueAtPercentile(percentile)
            print(String(format: "p%-5g %8.2f us", percentile, Double(ns) / 1_000))
        }
        if let service, let data = self.data {
            try self.reportLog(service, directory: data + "/wal", seconds: seconds)
        }
    }

    /// With `--data`: the store over that (fresh) data directory, whose registry the benchmark drives.
    func makeService(ids: any HoldIDSource) throws -> LogService? {
        guard let data = self.data else { return nil }
        guard let policy = FsyncPolicy(self.fsync) else { throw ValidationError("bad --fsync \(self.fsync)") }
        let directory = data + "/wal"
        guard try PosixStorage().list(directory).isEmpty else {
            throw ValidationError("\(directory) is not empty: give a fresh --data directory")
        }
        return try LogService(data: data, segmentBytes: self.segmentMiB << 20, fsync: policy, ids: ids)
    }

    func reportLog(_ service: LogService, directory: String, seconds: Double) throws {
        service.close()
        let stats = service.logStatistics ?? LogStats()
        print("log (fsync \(self.fsync)): \(stats.records) records in \(stats.batches) batches, \(stats.fsyncs) fsyncs")
        print(
            String(
                format: "%.0f durable records/s, %.1f records per fsync, %.0f fsyncs/s, mean fsync %.0f us",
                Double(stats.records) / seconds, Double(stats.records) / Double(max(stats.fsyncs, 1)),
                Double(stats.fsyncs) / seconds,
                Double(stats.fsyncNanoseconds) / Double(max(stats.fsyncs, 1)) / 1_000))
        print(
            String(
                format: "%.1f bytes on disk per record (%llu bytes in %llu segments)",
                Double(stats.bytesWritten) / Double(max(stats.records, 1)), stats.bytesWritten, stats.segments))
        let start = ContinuousClock.now
        let recovered = try Recovery.recover(directory: directory, repair: false)
        let elapsed = start.duration(to: .now)
        let replaySeconds = elapsed.inSeconds
        print(
            String(
                format: "replay: %d records in %.3f s = %.0f records/s", recovered.records, replaySeconds,
                Double(recovered.records) / replaySeconds))
    }
}

/// One benchmark task with its own random source and histogram.
struct Worker: Sendable {
    /// What a worker counted: operations, seats, refusals by error and latencies.
    struct Result: Sendable {
        var operations = 0
        var seatOperations = 0
        var refusals: [String: Int] = [:]
        var latencyNs = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    let sessions: [Session]
    let labels: [SeatLabel]
    let seed: UInt64
    /// When set, every operation waits until its change is durable, as a server reply would.
    let service: LogService?

    func run(until deadline: ContinuousClock.Instant) async -> Result {
        var random = SplitMix64(seed: self.seed)
        var result = Result()
        let clock = ContinuousClock()
        while clock.now < deadline {
            let session = self.sessions[Int(random.next() % UInt64(self.sessions.count))]
            let first = Int(random.next() % UInt64(self.labels.count - 1))
            let seats = [self.labels[first], self.labels[first + 1]]
            var start = clock.now
            let held = await session.hold(customer: "c\(first)", selection: .explicit(seats))
            guard let reply = await self.finish(held, since: start, into: &result) else { continue }
            start = clock.now
            if random.next() & 1 == 0 {
                guard await self.finish(await session.confirm(reply.holdID), since: start, into: &result) != nil else {
                    continue
                }
                start = clock.now
                _ = await self.finish(await session.cancel(reply.holdID), since: start, into: &result)
            } else {
                _ = await self.finish(await session.release(reply.holdID), since: start, into: &result)
            }
        }
        return result
    }

    /// Waits until the operation's change is durable (with a log), then counts it: a success (its latency and
    /// seats), or a refusal by error kind. Only successes count as work.
    private func finish<Value>(
        _ outcome: SessionAnswer<Value>, since start: ContinuousClock.Instant, into result: inout Result
    ) async -> Value? {
        var failure: SeatError? = nil
        if let service = self.service {
            do throws(SeatError) {
                try await service.durable(outcome.token)
            } catch {
                failure = error
            }
        }
        switch (outcome.result, failure) {
        case (.success(let value), nil):
            result.record(since: start, seats: 2, clock: ContinuousClock())
            return value
        case (.failure(let error), _), (.success, .some(let error)):
            result.refusals[error.kind, default: 0] += 1
            return nil
        }
    }
}

extension SeatError {
    /// The case's name (`taken`, `soldOut`, ...), for counting refusals by kind.
    var kind: String { String("\(self)".prefix { $0.isLetter }) }
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
