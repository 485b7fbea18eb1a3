import SeatActors
import Synchronization
import Testing

@testable import Store
@testable import WAL

/// Goal: in a cluster, a change is durable only once the local log has it and the gate allows: the standby's
/// acknowledgement while it is in sync, a fresh lease, a node that serves; a node that steps down loses what
/// waits. And the standby's side of the log: batches read back from the files as the primary wrote them, trimmed to
/// what a standby lacks, and a primary's snapshot installed in place of a node's state. Method: `ReplicationGate`
/// and `LogService` on `SimulatedStorage`.
struct ReplicationGateTests {
    func isDurable(_ durability: Durability) -> Bool {
        if case .durable = durability { return true }
        return false
    }

    @Test func aServingPrimaryWaitsForTheStandbyOnlyWhileItIsInSync() async {
        let gate = ReplicationGate(leaseTTLSeconds: 3)
        // A node that follows (a standby) decides by its own log.
        #expect(self.isDurable(gate.durability(through: 5)))
        gate.serve(from: 4)
        #expect(self.isDurable(gate.durability(through: 5)))
        gate.standbyInSync(true)
        #expect(self.isDurable(gate.durability(through: 4)))
        guard case .waiting(let ticket) = gate.durability(through: 6) else {
            Issue.record("a change the standby lacks is durable")
            return
        }
        let told = Told()
        ticket.whenDecided { told.add() }
        gate.acknowledged(through: 5)
        #expect(told.count == 0)
        gate.acknowledged(through: 6)
        #expect(told.count == 1)
        #expect(self.isDurable(gate.durability(through: 6)))
        // Recorded out of sync: the primary acknowledges alone, and what waited is told.
        guard case .waiting(let later) = gate.durability(through: 9) else {
            Issue.record("not waiting")
            return
        }
        later.whenDecided { told.add() }
        gate.standbyInSync(false)
        #expect(told.count == 2)
        #expect(self.isDurable(gate.durability(through: 9)))
    }

    @Test func aPrimaryThatSteppedDownLosesWhatWaitsAndAStaleLeaseWaits() async {
        let gate = ReplicationGate(leaseTTLSeconds: 3)
        gate.serve(from: 0)
        gate.standbyInSync(true)
        guard case .waiting(let ticket) = gate.durability(through: 1) else {
            Issue.record("not waiting")
            return
        }
        let told = Told()
        ticket.whenDecided { told.add() }
        gate.stepDown(.tryAgain(ms: 1_000))
        #expect(told.count == 1)
        guard case .lost(.tryAgain(1_000)) = gate.durability(through: 1) else {
            Issue.record("a change of a primary that stepped down is not lost")
            return
        }
        // A lease never renewed, or renewed longer ago than 2/3 of its TTL, acknowledges nothing until renewed.
        let fenced = ReplicationGate(leaseTTLSeconds: 3)
        fenced.renewed(at: fenced.nowNs - fenced.freshForNs - 1)
        #expect(!fenced.isFresh)
        fenced.serve(from: 0)
        #expect(fenced.isFresh)
        // Serving, then no renewal for longer than 2/3 of the TTL: changes wait, and go once it renews.
        let paused = ReplicationGate(leaseTTLSeconds: 2)
        paused.serve(from: 0)
        try? await Task.sleep(for: .milliseconds(1_500))
        #expect(!paused.isFresh)
        guard case .waiting(let fence) = paused.durability(through: 1) else {
            Issue.record("a primary with a stale lease acknowledges")
            return
        }
        let renewed = Told()
        fence.whenDecided { renewed.add() }
        #expect(renewed.count == 0)
        paused.renewed()
        #expect(renewed.count == 1)
        #expect(self.isDurable(paused.durability(through: 1)))
    }

    @Test func aBatchTrimsToWhatAStandbyLacks() {
        let batch = LogBatch(firstLSN: 10, atMs: 7, payload: [1, 2, 3, 4, 5, 6], recordEnds: [1, 3, 6])
        #expect(batch.after(9) == batch)
        #expect(batch.after(2) == batch)
        #expect(batch.after(10) == LogBatch(firstLSN: 11, atMs: 7, payload: [2, 3, 4, 5, 6], recordEnds: [2, 5]))
        #expect(batch.after(11) == LogBatch(firstLSN: 12, atMs: 7, payload: [4, 5, 6], recordEnds: [3]))
        #expect(batch.after(12) == nil)
        #expect(batch.after(40) == nil)
    }

    /// A primary's log read back from its files, applied to a standby's service, gives the standby the primary's
    /// state; after the primary's snapshot is installed on a third node, that node has it too and its log continues
    /// after the snapshot's LSN.
    @Test func theLogReadBackAndASnapshotInstalledRebuildThePrimarysState() async throws {
        let primary = try LogService(
            data: "/p", storage: SimulatedStorage(), segmentBytes: 64 << 10, clock: ManualClock())
        let registry = primary.registry
        _ = try registry.createHall(id: "h", rows: [RowSpec(label: "A", ranges: [1...20])])
        _ = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
        for customer in 0..<8 {
            _ = await registry.session("s")!.hold(customer: "c\(customer)", selection: .best(2))
        }
        try await primary.sync()
        let last = primary.registry.log.lastLSN
        let batches = try primary.loggedBatches(after: 0, through: last)
        #expect(batches.first?.firstLSN == 1 && batches.last?.lastLSN == last)
        let tail = try primary.loggedBatches(after: 4, through: last)
        #expect(tail.first?.firstLSN == 5)

        let standby = try LogService(
            data: "/s", storage: SimulatedStorage(), segmentBytes: 64 << 10, clock: ManualClock())
        for batch in batches { try await standby.appendReplicated(batch) }
        try await standby.sync()
        let want = await primary.registry.session("s")!.counts()
        #expect(await standby.registry.session("s")!.counts().result == want.result)
        #expect(standby.registry.log.lastLSN == last)

        let snapshot = try await primary.snapshotForStandby()
        let joining = try LogService(
            data: "/j", storage: SimulatedStorage(), segmentBytes: 64 << 10, clock: ManualClock())
        _ = try joining.registry.createHall(id: "other", rows: [RowSpec(label: "Z", ranges: [1...2])])
        try await joining.sync()
        try joining.install(snapshot: snapshot.payload, version: snapshot.version, lsn: snapshot.lsn)
        #expect(joining.registry.hall("other") == nil)
        #expect(await joining.registry.session("s")!.counts().result == want.result)
        // The log continues after the snapshot: a replicated batch of the primary's next change applies.
        _ = await registry.session("s")!.hold(customer: "late", selection: .best(1))
        try await primary.sync()
        for batch in try primary.loggedBatches(after: snapshot.lsn, through: primary.registry.log.lastLSN) {
            try await joining.appendReplicated(batch)
        }
        try await joining.sync()
        #expect(joining.registry.log.lastLSN == primary.registry.log.lastLSN)
        let after = await primary.registry.session("s")!.counts()
        #expect(await joining.registry.session("s")!.counts().result == after.result)
        // A snapshot that does not decode is refused before anything is removed.
        #expect(throws: WALError.self) {
            try joining.install(snapshot: [1, 2, 3], version: snapshot.version, lsn: 99)
        }
        #expect(joining.registry.session("s") != nil)
    }
}

/// How many times a ticket told its waiter.
final class Told: Sendable {
    private let told = Mutex(0)
    var count: Int { self.told.withLock { $0 } }
    func add() { self.told.withLock { $0 += 1 } }
}
