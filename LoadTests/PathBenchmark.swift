import ArgumentParser
import Foundation
import NIOCore
import SeatActors
import Server
import WAL

/// `seat-load path`: the server's request path in-process (`Server.RequestPath`), as a connection runs it: reads
/// of `--batch` lines, each line executed in its session's turn on the session's event loop and answered into
/// one outgoing buffer, every change encoded and appended to a real log (fsync `--fsync`). No socket.
///
/// The requests are the reference load's (`shared/bench/loadgen.c`, hold-release): `--slots` requests in flight
/// (50 connections x 16 deep by default), each a HOLD of 2 random distinct seats of a random session and, if it
/// succeeds, the RELEASE of that hold. A read carries the next request of every slot. Successful requests are the
/// work: a refused HOLD (a seat taken) is counted apart, never as work. It reports successful seat operations per
/// second and per second of CPU: of the loop thread (the path itself) and of the whole process (the path, the log
/// writer, and this driver, which builds the lines and reads the replies between reads).
struct PathBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Drive the server's request path in-process (no socket) and report seat operations per core.")

    @Option(help: "Sessions, each of the same hall.")
    var sessions = 100
    @Option(help: "Seats per session (rows of 25).")
    var seats = 500
    @Option(help: "Requests in flight: one line each per read.")
    var slots = 800
    @Option(help: "Seconds to run.")
    var seconds = 5.0
    @Option(help: "Seed for seat choices.")
    var seed: UInt64 = 1
    @Option(help: "fsync policy of the log: always, interval=<ms> or off.")
    var fsync = "always"

    func run() throws {
        guard let policy = FsyncPolicy(self.fsync) else { throw ValidationError("bad --fsync \(self.fsync)") }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("seat-load-path-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let path = try RequestPath(data: data, fsync: policy)
        defer { path.close() }
        let rows = (self.seats + 24) / 25
        let labels = (0..<self.seats).map { "\(Self.row($0 / 25))\($0 % 25 + 1)" }
        var setup = "CREATE HALL h"
        for row in 0..<rows { setup += " \(Self.row(row))=\(min(25, self.seats - row * 25))" }
        setup += "\n"
        for session in 0..<self.sessions { setup += "CREATE SESSION s\(session) h\n" }
        let setupReplies = try path.loop.submit { () -> String in
            path.run(ByteBuffer(string: setup))
            return String(buffer: path.output)
        }.wait()
        guard setupReplies.split(separator: "\n").allSatisfy({ $0.hasPrefix("OK") }) else {
            throw ValidationError("setup failed: \(setupReplies.prefix(200))")
        }

        var driver = Driver(slots: self.slots, sessions: self.sessions, labels: labels, seed: self.seed)
        let processStart = Self.processCPU()
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int(self.seconds * 1_000))
        var loopCPU: UInt64 = 0
        var reads = 0
        while ContinuousClock.now < deadline {
            let input = driver.nextRead()
            let (output, cpu) = try path.loop.submit { () -> (ByteBuffer, UInt64) in
                let before = Self.threadCPU()
                path.run(input)
                return (path.output, Self.threadCPU() - before)
            }.wait()
            loopCPU += cpu
            try driver.take(output)
            reads += 1
        }
        let elapsed = start.duration(to: .now).inSeconds
        let processCPU = Double(Self.processCPU() - processStart) / 1e9
        try path.loop.submit {}.wait()
        let refused = driver.refusals.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print(
            "path: \(self.sessions) sessions x \(self.seats) seats, \(self.slots) requests per read, fsync "
                + "\(self.fsync), \(String(format: "%.1f", elapsed)) s, \(reads) reads")
        print(
            "successful requests \(driver.successes) (\(driver.seatOperations) seat ops), refused "
                + "\(driver.refused)\(refused.isEmpty ? "" : " (\(refused))")")
        print(
            String(
                format: "%.0f successful requests/s, %.0f seat ops/s", Double(driver.successes) / elapsed,
                Double(driver.seatOperations) / elapsed))
        let loopSeconds = Double(loopCPU) / 1e9
        print(
            String(
                format: "per core: %.0f seat ops per CPU second of the loop thread (%.2f us per request), "
                    + "%.0f per CPU second of the whole process (%.2f us)",
                Double(driver.seatOperations) / loopSeconds,
                loopSeconds * 1e6 / Double(driver.successes + driver.refused),
                Double(driver.seatOperations) / processCPU,
                processCPU * 1e6 / Double(driver.successes + driver.refused)))
    }

    static func row(_ index: Int) -> String { String(UnicodeScalar(UInt8(ascii: "A") + UInt8(index))) }

    static func threadCPU() -> UInt64 { Self.clock(CLOCK_THREAD_CPUTIME_ID) }

    static func processCPU() -> UInt64 { Self.clock(CLOCK_PROCESS_CPUTIME_ID) }

    private static func clock(_ id: clockid_t) -> UInt64 {
        var spec = timespec()
        clock_gettime(id, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The requests in flight: each slot holds, then releases what it held.
    struct Driver {
        enum Slot {
            case hold(session: Int)
            case release(session: Int, hold: Substring)
        }

        var slots: [Slot]
        let sessions: Int
        let labels: [String]
        var random: SplitMix64
        var successes = 0
        var seatOperations = 0
        var refused = 0
        var refusals: [String: Int] = [:]
        private var heldSessions: [Int] = []

        init(slots: Int, sessions: Int, labels: [String], seed: UInt64) {
            self.random = SplitMix64(seed: seed)
            self.sessions = sessions
            self.labels = labels
            self.slots = []
            for _ in 0..<slots { self.slots.append(.hold(session: Int(self.random.next() % UInt64(sessions)))) }
        }

        /// One read: the next request of every slot.
        mutating func nextRead() -> ByteBuffer {
            var buffer = ByteBufferAllocator().buffer(capacity: self.slots.count * 40)
            for (index, slot) in self.slots.enumerated() {
                switch slot {
                case .hold(let session):
                    let first = Int(self.random.next() % UInt64(self.labels.count))
                    var second = Int(self.random.next() % UInt64(self.labels.count - 1))
                    if second >= first { second += 1 }
                    buffer.writeString("HOLD s\(session) c\(index % 50) \(self.labels[first]) \(self.labels[second])\n")
                case .release(let session, let hold):
                    buffer.writeString("RELEASE s\(session) \(hold)\n")
                }
            }
            return buffer
        }

        /// The replies of one read, one per slot in order: a HOLD's OK makes its slot release; a RELEASE's OK
        /// makes it hold again.
        mutating func take(_ output: ByteBuffer) throws {
            let replies = String(buffer: output).split(separator: "\n")
            guard replies.count == self.slots.count else {
                throw ValidationError("\(replies.count) replies to \(self.slots.count) requests")
            }
            for (index, reply) in replies.enumerated() {
                switch self.slots[index] {
                case .hold(let session):
                    if reply.hasPrefix("OK ") {
                        self.successes += 1
                        self.seatOperations += 2
                        let id = reply.dropFirst(3).prefix { $0 != " " }
                        self.slots[index] = .release(session: session, hold: id)
                    } else if reply.hasPrefix("ERR ") {
                        self.refused += 1
                        self.refusals[String(reply.dropFirst(4).prefix { $0 != " " }), default: 0] += 1
                        self.slots[index] = .hold(session: Int(self.random.next() % UInt64(self.sessions)))
                    } else {
                        throw ValidationError("HOLD answered \(reply)")
                    }
                case .release:
                    guard reply.hasPrefix("OK ") else { throw ValidationError("RELEASE answered \(reply)") }
                    self.successes += 1
                    self.seatOperations += 2
                    self.slots[index] = .hold(session: Int(self.random.next() % UInt64(self.sessions)))
                }
            }
        }
    }
}
