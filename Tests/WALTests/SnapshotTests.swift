import Foundation
import SeatActors
import Testing

@testable import WAL

/// Goal: snapshot + log rebuild exactly the live state, also when the snapshot was taken while changes were being
/// logged; a damaged newest snapshot falls back to the previous one; covered segments go, and only them.
/// Method: real data directories, a live registry, digests of every session compared after reopening.
struct SnapshotTests {
    struct Opened {
        let registry: Registry
        let writer: LogWriter
        let snapshotter: Snapshotter
        let opened: DataDirectory.Opened
    }

    func open(_ data: String, clock: ManualClock = ManualClock()) throws -> Opened {
        let opened = try DataDirectory.open(data)
        let writer = try LogWriter(
            options: .init(directory: DataDirectory.walDirectory(data), segmentBytes: 64 << 10),
            lastLSN: opened.recovered.lastLSN, tail: opened.recovered.tail)
        let registry = Registry(state: opened.recovered.state, log: writer, clock: clock,
                                ids: SeededHoldIDSource(seed: UInt64(opened.recovered.lastLSN) + 1))
        let snapshotter = Snapshotter(
            registry: registry, writer: writer, store: SnapshotStore(directory: DataDirectory.snapshotDirectory(data)),
            walDirectory: DataDirectory.walDirectory(data))
        return Opened(registry: registry, writer: writer, snapshotter: snapshotter, opened: opened)
    }

    @Test func snapshotPlusLogReplaysToTheLiveState() async throws {
        try await withTemporaryDirectory { data in
            let clock = ManualClock()
            let first = try self.open(data, clock: clock)
            try await workload(first.registry, first.writer, count: 300)
            clock.advance(byMs: 901_000)
            _ = await first.registry.sweep()
            try await workload(first.registry, first.writer, count: 300, seed: 4)
            let lsn = try await first.snapshotter.take()
            try await workload(first.registry, first.writer, count: 200, seed: 5)
            let live = await digests(first.registry)
            first.writer.close()
            let second = try self.open(data)
            #expect(second.opened.snapshotLSN == lsn)
            #expect(await digests(second.registry) == live)
            #expect(second.opened.recovered.records < 300)
            second.writer.close()
        }
    }

    @Test func aSnapshotTakenDuringChangesReplaysToTheLiveState() async throws {
        try await withTemporaryDirectory { data in
            let first = try self.open(data)
            try await workload(first.registry, first.writer, count: 50)
            for index in 0..<4 {
                _ = try first.registry.createSession(try SessionConfig(id: "x\(index)", hallID: "h"))
            }
            async let changes: Void = {
                for round in 0..<300 {
                    guard let session = first.registry.session("x\(round % 4)") else { continue }
                    let outcome = await session.hold(customer: "c", selection: .any(1 + round % 3))
                    if case .success(let reply) = outcome.result, round % 2 == 0 { _ = await session.confirm(reply.holdID) }
                    if round == 150 { _ = try? await first.registry.dropSession("x3") }
                    if round == 160 { _ = try? first.registry.createSession(try SessionConfig(id: "x3", hallID: "h")) }
                }
            }()
            var taken = 0
            for _ in 0..<5 {
                _ = try await first.snapshotter.take()
                taken += 1
            }
            try await changes
            try await first.writer.waitDurable(through: first.writer.lastLSN)
            let live = await digests(first.registry)
            first.writer.close()
            #expect(taken == 5)
            #expect(try SnapshotStore(directory: DataDirectory.snapshotDirectory(data)).lsns().count == 2)
            let second = try self.open(data)
            #expect(await digests(second.registry) == live)
            second.writer.close()
        }
    }

    @Test func aDamagedNewestSnapshotFallsBackToThePreviousOne() async throws {
        try await withTemporaryDirectory { data in
            let first = try self.open(data)
            try await workload(first.registry, first.writer, count: 200)
            let older = try await first.snapshotter.take()
            try await workload(first.registry, first.writer, count: 200, seed: 6)
            let newer = try await first.snapshotter.take()
            try await workload(first.registry, first.writer, count: 50, seed: 7)
            let live = await digests(first.registry)
            first.writer.close()
            let store = SnapshotStore(directory: DataDirectory.snapshotDirectory(data))
            let path = store.path(newer)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: path))
            let second = try self.open(data)
            #expect(second.opened.snapshotLSN == older)
            #expect(second.opened.damagedSnapshots.count == 1)
            #expect(await digests(second.registry) == live)
            second.writer.close()
        }
    }

    @Test func coveredSegmentsAreDeletedAndTheRestStillReplays() async throws {
        try await withTemporaryDirectory { data in
            let first = try self.open(data)
            try await workload(first.registry, first.writer, count: 2_000)
            let wal = DataDirectory.walDirectory(data)
            let before = try segmentPaths(wal).count
            _ = try await first.snapshotter.take()
            try await workload(first.registry, first.writer, count: 1_000, seed: 8)
            _ = try await first.snapshotter.take()
            let after = try segmentPaths(wal).count
            let live = await digests(first.registry)
            first.writer.close()
            #expect(before >= 3)
            #expect(after < before + 2)
            let oldest = try SnapshotStore(directory: DataDirectory.snapshotDirectory(data)).lsns().first!
            let firstSegment = Format.firstLSN(ofSegment: URL(fileURLWithPath: try segmentPaths(wal)[0]).lastPathComponent)!
            #expect(firstSegment <= oldest + 1)
            #expect(firstSegment > 1)
            let second = try self.open(data)
            #expect(await digests(second.registry) == live)
            second.writer.close()
        }
    }
}
