import Store
import Testing
import WAL

@testable import SeatLoad

/// Goal: the real seatd, killed with SIGKILL at random moments and at every failpoint of its log and snapshot
/// paths under concurrent clients, keeps every acknowledged change, half-applies nothing, never gives a seat or a
/// hold id twice, keeps absolute expiries, and its whole history is explained by the seat checker. Method: the
/// crash loop of `seat-load crash` (`make crash-test` runs it longer), with a random seed it prints on failure.
@Suite(.serialized) struct CrashLoopTests {
    static func settings() -> CrashLoop.Settings {
        var settings = CrashLoop.Settings()
        settings.seed = UInt64.random(in: 1...UInt64.max >> 1)
        settings.clients = 6
        settings.runMs = 600
        return settings
    }

    @Test func killNineCyclesLoseNothingAcknowledged() async throws {
        var settings = Self.settings()
        settings.cycles = 4
        let report = try await CrashLoop(settings).run()
        #expect(report.failures.isEmpty, "\(report.summary)")
        #expect(report.kills == 4 && report.cycles == 4)
        #expect(report.checkedSessions == settings.sessions, "\(report.summary)")
        // Some work in every run, however loaded the machine (the suite runs its process tests side by side).
        #expect(report.operations > 20 && report.holds > 5 && report.replays > 0, "\(report.summary)")
    }

    @Test func everyFailpointIsReachedAndSurvived() async throws {
        var settings = Self.settings()
        settings.cycles = 1
        settings.failpoints = Failpoint.allCases
        let report = try await CrashLoop(settings).run()
        #expect(report.failures.isEmpty, "\(report.summary)")
        for point in Failpoint.allCases {
            #expect(report.failpoints[point.rawValue]?.reached == 1, "\(point.rawValue) not reached: \(report.summary)")
        }
        #expect(report.checkedSessions == settings.sessions, "\(report.summary)")
    }
}
