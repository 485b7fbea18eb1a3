import Foundation
import SeatdTestSupport
import Testing

@testable import SeatLoad

/// Goal: garbage, mutated requests, overlong lines, connections cut mid-line and floods past the connection limit
/// never break seatd for a well-behaved client, never kill it, and leak no connection. Method: the real binary
/// under `seat-load netfuzz` for a few seconds (`make net-fuzz` runs it longer).
@Suite struct NetFuzzTests {
    @Test func aLiveServerKeepsAnsweringAWellFormedClientUnderFuzzing() async throws {
        let data = TemporaryDirectory.path("netfuzz")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try SeatdProcess(
            binary: SeatdProcess.defaultBinary, data: data, environment: NetFuzz.serverEnvironment)
        let port = try await server.port()
        var settings = NetFuzz.Settings()
        settings.seconds = 5
        settings.clients = 8
        settings.seed = UInt64.random(in: 1...UInt64.max >> 1)
        settings.minimumProbeRounds = 20
        let report = try await NetFuzz(settings, target: Target(argument: "127.0.0.1:\(port)")!).run()
        #expect(server.isRunning, "seatd died: \(server.printed.suffix(2_000))")
        #expect(report.failures.isEmpty, "\(report.summary)")
        #expect(report.linesSent > 0 && report.probeRequests >= 60 && report.floods > 0, "\(report.summary)")
        #expect(server.kill(SIGTERM) == 0)
    }
}
