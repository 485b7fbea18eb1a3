import SeatActors
import Testing

@testable import Store
@testable import WAL

/// Goal: every fsync policy writes a change before acknowledging it, so a killed process (whose written bytes the
/// kernel keeps) loses nothing acknowledged; `always` also syncs first, `interval` syncs within its interval, `off`
/// never. Method: `SimulatedStorage`, where "reopen the same disk" is a kill and `afterPowerCut` a power loss.
struct FsyncPolicyTests {
    func run(_ policy: FsyncPolicy) async throws -> (SimulatedStorage, LogWriter, [String: String]) {
        let storage = SimulatedStorage()
        let writer = try LogWriter(
            storage: storage, options: .init(directory: "/w", segmentBytes: 64 << 10, fsync: policy), lastLSN: 0,
            tail: nil)
        let registry = Registry(log: WriterLog(writer), clock: ManualClock(), ids: SeededHoldIDSource(seed: 1))
        _ = try registry.createHall(id: "h", rows: [RowSpec(label: "A", ranges: [1...50])])
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
        for _ in 0..<20 {
            let outcome = await session.hold(customer: "c", selection: .any(2))
            try await writer.waitDurable(through: outcome.lsn)
        }
        return (storage, writer, await digests(registry))
    }

    @Test(arguments: [FsyncPolicy.always, .interval(ms: 50), .off])
    func acknowledgedChangesSurviveAKilledProcess(policy: FsyncPolicy) async throws {
        let (storage, writer, live) = try await self.run(policy)
        let acknowledged = writer.durableLSN
        // A kill: no close, the disk as the kernel has it (written bytes included).
        let killed = try Recovery.recover(directory: "/w", storage: storage, repair: false)
        #expect(killed.lastLSN == acknowledged)
        #expect(digests(killed.state) == live)
        if policy == .always {
            // A power cut right now loses nothing either.
            let cut = try Recovery.recover(directory: "/w", storage: storage.afterPowerCut(), repair: false)
            #expect(cut.lastLSN == acknowledged)
        }
        writer.close()
    }

    @Test func intervalSyncsOnItsOwnAndOffNever() async throws {
        let (storage, interval, _) = try await self.run(.interval(ms: 100))
        let (_, off, _) = try await self.run(.off)
        // Once the interval has passed with no new change, everything acknowledged is on disk, power cut or not.
        try await Task.sleep(for: .milliseconds(500))
        let cut = try Recovery.recover(directory: "/w", storage: storage.afterPowerCut(), repair: false)
        #expect(cut.lastLSN == interval.durableLSN)
        #expect(interval.statistics.fsyncs >= 1)
        #expect(off.statistics.fsyncs == 0)
        interval.close()
        off.close()
    }

    @Test(arguments: ["always", "off", "interval=1", "interval=60000"])
    func policiesParse(text: String) {
        #expect(FsyncPolicy(text)?.description == text)
    }

    @Test(arguments: ["", "sometimes", "interval=", "interval=0", "interval=-5", "interval=60001", "Always"])
    func badPoliciesAreRefused(text: String) {
        #expect(FsyncPolicy(text) == nil)
    }
}
