import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SeatdTestSupport

/// `seat-load diskfull`: the real seatd on a small tmpfs that is then filled up. Changes must get
/// `ERR UNAVAILABLE` (never a wrong OK), reads must go on, nothing acknowledged may be lost, and seatd must take
/// changes again by itself once space returns; a kill -9 and restart afterwards must keep everything. Needs root
/// (mount); reports "skipped" without it.
struct DiskFullTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diskfull",
        abstract: "Fill seatd's disk (a small tmpfs) under load and check it degrades and recovers correctly.")

    @Option(help: "Fill-and-free rounds.") var rounds = 3
    @Option(help: "The seatd binary (default: the one next to seat-load).") var seatd: String?

    func run() async throws {
        let report = try await DiskFull(seatd: self.seatd ?? SeatdProcess.defaultBinary, rounds: self.rounds).run()
        say(report.summary)
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}

struct DiskFull {
    struct Report: Sendable {
        var skipped: String? = nil
        var rounds = 0
        var acknowledged = 0
        var unavailable = 0
        var readsWhileFull = 0
        var failures: [String] = []

        var summary: String {
            if let skipped { return "diskfull: skipped: \(skipped)" }
            let head =
                "diskfull: \(self.rounds) rounds, \(self.acknowledged) changes acknowledged, \(self.unavailable) refused with UNAVAILABLE, \(self.readsWhileFull) reads answered while the disk was full"
            return self.failures.isEmpty
                ? head + "; no failures"
                : ([head, "FAILURES:"] + self.failures.map { "  " + $0 }).joined(separator: "\n")
        }
    }

    let seatd: String
    let rounds: Int
    static let seats = 20

    func run() async throws -> Report {
        var report = Report()
        let mount = TemporaryDirectory.path("diskfull")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mount) }
        guard Self.shell("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount) == 0 else {
            report.skipped = "cannot mount a tmpfs (needs root and CAP_SYS_ADMIN)"
            return report
        }
        defer { _ = Self.shell("umount", "-l", mount) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await self.run(data: mount + "/data", filler: mount + "/filler", group: group, report: &report)
        } catch {
            report.failures.append("\(error)")
        }
        try? await group.shutdownGracefully()
        return report
    }

    static func shell(_ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The seats each acknowledged change left sold (true) or free (false); nil once a change on the seat got
    /// UNAVAILABLE (its outcome is unknown until a later acknowledged change on the seat).
    private typealias Known = [Bool?]

    private func run(data: String, filler: String, group: any EventLoopGroup, report: inout Report) async throws {
        let environment = ["SEATD_LOG_SEGMENT_BYTES": "65536", "SEATD_SNAPSHOT_EVERY_RECORDS": "500"]
        var server = try SeatdProcess(binary: self.seatd, data: data, environment: environment)
        var servers = [server]
        defer { for process in servers where process.isRunning { process.kill(SIGKILL) } }
        var port = try await server.port()
        var known = Known(repeating: false, count: Self.seats)
        try await CrashLoop.withClient(port: port, group: group) { client in
            try await client.ok("CREATE HALL h A=\(Self.seats)")
            try await client.ok("CREATE SESSION s h")
        }
        // Step numbers (and so idempotency keys) run on across rounds.
        var step = 0
        for _ in 0..<self.rounds {
            // Fill the disk, then book until changes are refused.
            _ = Self.shell("dd", "if=/dev/zero", "of=\(filler)", "bs=64k")
            var refused = false
            let first = step
            try await CrashLoop.withClient(port: port, group: group) { client in
                while !refused && step - first < 200_000 {
                    refused = try await self.change(step, client: client, known: &known, report: &report)
                    step += 1
                }
                guard refused else { throw LoadError("no change was refused after \(step - first) on a full disk") }
                // Reads go on while the disk is full: at once, or after the moment (50 ms) seatd takes to switch
                // to the durable state (a read must not show changes the failed log lost).
                for request in ["PING", "MAP s", "AVAIL s", "STATS"] {
                    var reply = ""
                    for _ in 0..<40 {
                        reply = try await client.send([request])[0]
                        if reply.hasPrefix("OK") { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    if reply.hasPrefix("OK") {
                        report.readsWhileFull += 1
                    } else {
                        report.failures.append("\(request) on a full disk, for 2 s: \(reply)")
                    }
                }
                try await self.check(client: client, known: known, when: "with the disk full", report: &report)
            }
            // Space returns: changes must be taken again within 30 s, without a restart.
            try FileManager.default.removeItem(atPath: filler)
            try await CrashLoop.withClient(port: port, group: group) { client in
                let deadline = ContinuousClock.now + .seconds(30)
                var back = false
                while !back && ContinuousClock.now < deadline {
                    back = try await !self.change(step, client: client, known: &known, report: &report)
                    step += 1
                    if !back { try await Task.sleep(for: .milliseconds(200)) }
                }
                if !back { report.failures.append("changes still refused 30 s after space returned") }
                try await self.check(client: client, known: known, when: "after space returned", report: &report)
            }
            report.rounds += 1
        }
        // Nothing acknowledged is lost across kill -9 either.
        server.kill(SIGKILL)
        server = try SeatdProcess(binary: self.seatd, data: data, environment: environment)
        servers.append(server)
        port = try await server.port()
        try await CrashLoop.withClient(port: port, group: group) { client in
            try await self.check(client: client, known: known, when: "after kill -9 and restart", report: &report)
        }
        server.kill(SIGTERM)
    }

    /// One change on seat step % seats: hold then confirm, or cancel what is sold there. Returns true when refused
    /// with UNAVAILABLE; any other error fails the run.
    private func change(_ step: Int, client: LineClient, known: inout Known, report: inout Report) async throws -> Bool
    {
        let seat = step % Self.seats
        let hold = try await client.send(["HOLD s c A\(seat + 1) key=d\(step)"])[0]
        if hold.hasPrefix("ERR UNAVAILABLE") {
            known[seat] = nil
            report.unavailable += 1
            return true
        }
        if hold.hasPrefix("ERR TAKEN") {
            // Sold by an earlier step (or an unknown outcome): learn it from the map, then cancel through LIST.
            let list = try await client.send(["LIST s c"])[0]
            guard let booking = list.split(separator: " ").dropFirst().first(where: { $0.hasSuffix(":A\(seat + 1)") })
            else {
                known[seat] = nil
                return false
            }
            let id = booking.split(separator: ":")[0]
            let cancel = try await client.send(["\(booking.contains(":sold:") ? "CANCEL" : "RELEASE") s \(id)"])[0]
            if cancel.hasPrefix("OK") {
                known[seat] = false
                report.acknowledged += 1
                return false
            }
            guard cancel.hasPrefix("ERR UNAVAILABLE") else { throw LoadError("cancel: \(cancel)") }
            known[seat] = nil
            report.unavailable += 1
            return true
        }
        guard hold.hasPrefix("OK ") else { throw LoadError("HOLD A\(seat + 1): \(hold)") }
        known[seat] = nil  // held: neither sold nor free
        report.acknowledged += 1
        let id = hold.split(separator: " ")[1]
        let confirm = try await client.send(["CONFIRM s \(id)"])[0]
        if confirm.hasPrefix("OK") {
            known[seat] = true
            report.acknowledged += 1
            return false
        }
        guard confirm.hasPrefix("ERR UNAVAILABLE") else { throw LoadError("CONFIRM: \(confirm)") }
        report.unavailable += 1
        return true
    }

    /// Every seat whose last acknowledged change is known must show it.
    private func check(client: LineClient, known: Known, when: String, report: inout Report) async throws {
        let map = try await client.send(["MAP s"])[0]
        guard map.hasPrefix("OK A:"), map.count == "OK A:".count + Self.seats else {
            report.failures.append("MAP \(when): \(map)")
            return
        }
        for (seat, (state, char)) in zip(known, map.dropFirst(5)).enumerated() {
            guard let state else { continue }
            if (state && char != "x") || (!state && char != ".") {
                report.failures.append(
                    "seat A\(seat + 1) \(when): acknowledged \(state ? "sold" : "free"), MAP shows \(char) (\(map))")
            }
        }
    }
}
