import SeatdTestSupport
import Testing

@testable import SeatLoad

/// Goal: on a full disk the real seatd refuses changes with UNAVAILABLE (never a wrong OK), keeps answering
/// reads, loses nothing acknowledged, and takes changes again by itself when space returns. Method: seatd on a
/// 4 MiB tmpfs filled with `dd` (`seat-load diskfull`, `make disk-full-test` for more rounds). Mounting needs root:
/// without it the run says it was skipped.
@Suite struct DiskFullTests {
    @Test func aFullDiskRefusesChangesKeepsReadsAndRecovers() async throws {
        let report = try await DiskFull(seatd: SeatdProcess.defaultBinary, rounds: 1).run()
        if let skipped = report.skipped {
            print("DiskFullTests skipped: \(skipped)")
            return
        }
        #expect(report.failures.isEmpty, "\(report.summary)")
        #expect(
            report.rounds == 1 && report.unavailable > 0 && report.acknowledged > 0 && report.readsWhileFull == 4,
            "\(report.summary)")
    }
}
