import Foundation
import SeatActors
import Synchronization
import Testing

@testable import Store
@testable import WAL

/// Goal: whatever the disk does (EIO, ENOSPC, a power cut at any operation, a torn last write), what comes back
/// after a restart is exactly the log's prefix through its last LSN, that prefix holds every change whose
/// durability was acknowledged, and nothing refuses to start. Method: seeded workloads (holds, confirms,
/// releases, cancels, expiries, snapshots) on `SimulatedStorage` with one fault at a random operation, then a power
/// cut and recovery. A failing seed is printed; `SEATD_POWERCUT_SEEDS=n` runs more (`make soak`).
struct PowerCutTests {
    /// A log that remembers every record it accepted, so the recovered state can be checked against the prefix.
    final class TeeLog: ChangeLog {
        let inner: WriterLog
        let records = Mutex<[(LogRecord, Appended)]>([])

        init(_ writer: LogWriter) { self.inner = WriterLog(writer) }

        func append(_ record: LogRecord, publish: (Appended) -> Void) throws(SeatError) -> Appended {
            try self.inner.append(record) { appended in
                self.records.withLock { $0.append((record, appended)) }
                publish(appended)
            }
        }

        func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value { self.inner.withAppendsHeld(body) }

        var lastLSN: LSN { self.inner.lastLSN }
    }

    static var seeds: ClosedRange<UInt64> {
        let count = ProcessInfo.processInfo.environment["SEATD_POWERCUT_SEEDS"].flatMap { UInt64($0) } ?? 200
        return 1...max(count, 1)
    }

    @Test func everyAcknowledgedChangeSurvivesAnyFault() async throws {
        var faults: [SimulatedStorage.Fault: Int] = [:]
        for seed in Self.seeds {
            let fault = try await self.run(seed: seed)
            if let fault { faults[fault, default: 0] += 1 }
        }
        // Every kind of fault was actually hit across the seeds.
        if Self.seeds.count >= 100 {
            for kind in SimulatedStorage.Fault.allCases { #expect(faults[kind, default: 0] > 0, "\(kind) never hit") }
        }
    }

    /// One seeded run; returns the fault that happened.
    func run(seed: UInt64) async throws -> SimulatedStorage.Fault? {
        var random = SplitMix64(seed: seed)
        let fault = SimulatedStorage.Fault.allCases[random.below(3)]
        let storage = SimulatedStorage(faultAt: 1 + random.below(400), fault: fault)
        let data = "/data"
        let clock = ManualClock()
        let opened = try DataDirectory.open(data, storage: storage)
        let writer = try LogWriter(
            storage: storage, options: .init(directory: DataDirectory.walDirectory(data), segmentBytes: 64 << 10),
            lastLSN: 0, tail: nil)
        let tee = TeeLog(writer)
        let registry = Registry(
            state: opened.recovered.state, log: tee, clock: clock, ids: SeededHoldIDSource(seed: seed))
        let snapshotter = Snapshotter(
            registry: registry,
            durable: durable(writer),
            store: SnapshotStore(directory: DataDirectory.snapshotDirectory(data), storage: storage),
            walDirectory: DataDirectory.walDirectory(data), storage: storage)
        var acknowledged: LSN = 0
        func acknowledge(_ lsn: LSN) async {
            if (try? await writer.waitDurable(through: lsn)) != nil { acknowledged = max(acknowledged, lsn) }
        }
        do {
            _ = try registry.createHall(
                id: "h",
                rows: [
                    RowSpec(label: "A", ranges: [1...30]),
                    RowSpec(label: "B", ranges: [1...10, 13...40]),
                ])
            for index in 0..<3 {
                _ = try registry.createSession(try SessionConfig(id: "s\(index)", hallID: "h", ttlSeconds: 60))
            }
            await acknowledge(writer.lastLSN)
        } catch {
            // The fault hit the very first changes: nothing was acknowledged.
        }
        var holds: [(Session, HoldID)] = []
        for _ in 0..<150 {
            guard let session = registry.session("s\(random.below(3))") else { break }
            switch random.below(10) {
            case 0...3:
                let selection: SeatSelection =
                    random.below(2) == 0 ? .best(1 + random.below(4)) : .any(1 + random.below(3))
                let outcome = await session.hold(
                    customer: "c\(random.below(5))", selection: selection,
                    key: random.below(4) == 0 ? "k\(random.below(1_000))" : nil)
                if case .success(let reply) = outcome.result { holds.append((session, reply.holdID)) }
                await acknowledge(outcome.lsn)
            case 4...5 where !holds.isEmpty:
                let (owner, id) = holds[random.below(holds.count)]
                await acknowledge(await owner.confirm(id, ref: "r\(seed)").lsn)
            case 6 where !holds.isEmpty:
                let (owner, id) = holds.remove(at: random.below(holds.count))
                await acknowledge(await owner.release(id).lsn)
            case 7 where !holds.isEmpty:
                let (owner, id) = holds.remove(at: random.below(holds.count))
                await acknowledge(await owner.cancel(id).lsn)
            case 8:
                clock.advance(byMs: Int64(random.below(70_000)))
                _ = await registry.sweep()
                await acknowledge(writer.lastLSN)
            default:
                _ = try? await snapshotter.take()
            }
        }
        writer.close()
        let restarted = storage.afterPowerCut(tornBlocks: random.below(4))
        let recovered: DataDirectory.Opened
        do {
            recovered = try DataDirectory.open(data, storage: restarted)
        } catch {
            Issue.record("seed \(seed) (\(fault) at op \(storage.operations)): recovery refused: \(error)")
            return storage.faultHappened
        }
        let lastLSN = recovered.recovered.lastLSN
        #expect(lastLSN >= acknowledged, "seed \(seed): acknowledged through \(acknowledged), recovered \(lastLSN)")
        var prefix = RegistryState()
        for (record, appended) in tee.records.withLock({ $0 }) where appended.lsn <= lastLSN {
            try prefix.apply(record, lsn: appended.lsn, atMs: appended.atMs)
        }
        #expect(
            digests(recovered.recovered.state) == digests(prefix), "seed \(seed): recovered state is not the prefix")
        for session in recovered.recovered.state.sessions.values { session.checkInvariants() }
        return storage.faultHappened
    }
}
