import Benchmark
import Foundation
import NIOCore
import Server

/// The server's request path in-process (`Server.RequestPath`): the lines of a read parsed, executed in their
/// session's turn (on this thread, so that the per-thread malloc counter sees them), their changes encoded and
/// appended to a real log (its writer thread writes them, fsync off: the disk is not what this measures), and the
/// replies rendered into one outgoing buffer. No socket, and no wait for durability per batch.
///
/// One iteration is one read of 1,000 requests (the figures are per request): the RELEASEs of the last
/// iteration's 500 holds, then 500 HOLDs of 2 seats over 10 sessions, the reference load's requests
/// (`shared/bench/loadgen.c`, hold-release, 2 seats). Every reply must be OK: a failed request is an error, never
/// counted as work. Building the RELEASE lines from the HOLD replies is not measured.
///
/// `make bench-path` runs it and checks the malloc counts against Benchmarks/Thresholds (a regression fails).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 100_000,
        thresholds: [
            // Malloc counts hardly move between runs (the log writer's batches vary a little with timing);
            // time moves with the machine and is reported, not checked.
            .mallocCountTotal: .init(relative: [.p50: 5, .p90: 5], absolute: [.p50: 50, .p90: 50])
        ]
    )

    // Names without spaces: the tool writes a threshold file name with "_" for " " but reads it with " ".
    Benchmark("HOLD_2+RELEASE") { benchmark in
        try Workload.shared.iterate(benchmark, holds: Workload.shared.seatHolds) { _ in "" }
    }

    Benchmark("HOLD_BEST_2_ttl_key+RELEASE_key_(1.1)") { benchmark in
        let round = Workload.shared.nextRound()
        try Workload.shared.iterate(benchmark, holds: Workload.shared.keyedHolds(round: round)) { index in
            " key=r\(round)-\(index)"
        }
    }

    Benchmark.setup = {
        Workload.shared?.close()
        Workload.shared = try await Workload()
    }
    Benchmark.teardown = {
        Workload.shared?.close()
        Workload.shared = nil
    }
}

/// A request path over a fresh data directory: hall `h` of 10 rows of 50 seats and sessions s0 to s9.
final class Workload: @unchecked Sendable {
    nonisolated(unsafe) static var shared: Workload!

    static let sessions = 10
    static let holdsPerBatch = 500

    let path: RequestPath
    let directory: String
    /// 500 HOLDs of two distinct seats, 50 per session (no seat twice in a session): every one succeeds.
    let seatHolds: ByteBuffer
    private var round = 0

    init() async throws {
        self.directory =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "seatd-bench-path-\(UUID().uuidString)"
            ).path
        try? FileManager.default.removeItem(atPath: self.directory)
        // The turns on this thread: the malloc counter counts per thread (and a loop hop is not the path).
        self.path = try RequestPath(data: self.directory, fsync: .always, turns: .callingThread)
        var setup = "CREATE HALL h " + (0..<10).map { "\(Self.row($0))=50" }.joined(separator: " ") + "\n"
        for session in 0..<Self.sessions { setup += "CREATE SESSION s\(session) h\n" }
        self.path.run(ByteBuffer(string: setup))
        let replies = String(buffer: self.path.output)
        guard replies.split(separator: "\n").allSatisfy({ $0.hasPrefix("OK") }) else {
            throw Failure(text: "setup failed: \(replies)")
        }
        var holds = ""
        for index in 0..<Self.holdsPerBatch {
            let session = index % Self.sessions
            let seat = index / Self.sessions * 2  // 0, 2, ... 98: seats 1-100 of each session
            holds += "HOLD s\(session) c\(index % 50) \(Self.label(seat)) \(Self.label(seat + 1))\n"
        }
        self.seatHolds = ByteBuffer(string: holds)
    }

    /// The 1.1 form: BEST 2 with a TTL and an idempotency key fresh for `round`.
    func keyedHolds(round: Int) -> ByteBuffer {
        var holds = ""
        for index in 0..<Self.holdsPerBatch {
            holds += "HOLD s\(index % Self.sessions) c\(index % 50) BEST 2 ttl=60 key=h\(round)-\(index)\n"
        }
        return ByteBuffer(string: holds)
    }

    func nextRound() -> Int {
        self.round += 1
        return self.round
    }

    /// The RELEASE lines of the holds the last iteration made (none before the first).
    private var releases = ByteBuffer()

    /// One read of 1,000 lines, measured: the RELEASEs of the last iteration's 500 holds (with `suffix(index)`
    /// appended), then `holds`, which take the seats those free. Fails the benchmark unless every reply is OK
    /// (the first iteration has no RELEASEs: it is measured with half the work, one sample of many).
    func iterate(_ benchmark: Benchmark, holds: ByteBuffer, suffix: (Int) -> String) throws {
        for _ in 0..<(benchmark.scaledIterations.count / (2 * Self.holdsPerBatch)) {
            var input = self.releases
            input.writeImmutableBuffer(holds)
            let released = self.releases.readableBytes == 0 ? 0 : Self.holdsPerBatch
            benchmark.startMeasurement()
            self.path.run(input)
            benchmark.stopMeasurement()
            self.releases = try self.releases(of: self.path.output, skipping: released, suffix: suffix)
        }
    }

    /// `RELEASE s<n> <hold>` for each `OK <hold> ...` reply after the first `skipping` (which must be OK), in order.
    private func releases(of replies: ByteBuffer, skipping: Int, suffix: (Int) -> String) throws -> ByteBuffer {
        var lines = ByteBufferAllocator().buffer(capacity: Self.holdsPerBatch * 40)
        let replies = String(buffer: replies).split(separator: "\n")
        guard replies.count == skipping + Self.holdsPerBatch else { throw Failure(text: "\(replies.count) replies") }
        if let failed = replies.first(where: { !$0.hasPrefix("OK") }) { throw Failure(text: "failed: \(failed)") }
        for (index, line) in replies.dropFirst(skipping).enumerated() {
            let fields = line.split(separator: " ")
            lines.writeString("RELEASE s\(index % Self.sessions) \(fields[1])\(suffix(index))\n")
        }
        return lines
    }

    static func row(_ index: Int) -> String { String(UnicodeScalar(UInt8(ascii: "A") + UInt8(index))) }

    /// Seat `index` (0-based) of the hall: rows of 50.
    static func label(_ index: Int) -> String { "\(Self.row(index / 50))\(index % 50 + 1)" }

    func close() {
        self.path.close()
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    struct Failure: Error, CustomStringConvertible {
        let text: String
        var description: String { self.text }
    }
}
