import Foundation
import SeatdTestSupport
import Testing

@testable import SeatLoad

/// Goal: seat-load's per-second lines cover the measured window second by second and add up to the summary's
/// request count (they used to start before it, mix seconds, and leave the last one out). Method: the real
/// `seat-load steady` against the real `seatd`, both processes, for 2.5 measured seconds; its output parsed. With
/// `--driver client` as well (the requests go through SeatdClient).
struct ProgressLineTests {
    @Test(arguments: ["lines", "client"])
    func perSecondLinesAddUpToTheTotal(driver: String) async throws {
        let data = TemporaryDirectory.path("progress")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try SeatdProcess(binary: SeatdProcess.defaultBinary, data: data)
        let port = try await server.port()
        defer { server.kill(SIGTERM) }
        let load = Process()
        load.executableURL = URL(fileURLWithPath: SeatdProcess.defaultBinary).deletingLastPathComponent()
            .appendingPathComponent("seat-load")
        load.arguments = [
            "steady", "--target", "seatd://127.0.0.1:\(port)", "--connections", "4", "--depth", "2",
            "--sessions", "4", "--seconds", "2.5", "--warmup", "0.5", "--driver", driver,
        ]
        let pipe = Pipe()
        load.standardOutput = pipe
        try load.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        load.waitUntilExit()
        #expect(load.terminationStatus == 0, "\(text)")
        let lines = text.split(separator: "\n")
        let seconds = lines.compactMap { line -> (Int, Int)? in
            let fields = line.split(separator: " ")
            guard fields.count > 2, fields[0].hasSuffix("s"), let second = Int(fields[0].dropLast()),
                fields[2] == "req/s",
                let count = Int(fields[1])
            else { return nil }
            return (second, count)
        }
        let total = try #require(
            lines.first { $0.hasPrefix("requests ") }.flatMap { Int($0.split(separator: " ").last!) })
        #expect(seconds.map(\.0) == [1, 2, 3], "\(text)")
        #expect(seconds.map(\.1).reduce(0, +) == total, "\(text)")
        #expect(total > 0)
        #expect(text.contains("check: all 4 sessions are empty again"), "\(text)")
    }
}
