import Foundation
import SeatActors
import SeatdTestSupport
import Testing

@testable import Store
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
        let registry = Registry(
            state: opened.recovered.state, log: WriterLog(writer), clock: clock,
            ids: SeededHoldIDSource(seed: UInt64(opened.recovered.lastLSN) + 1))
        let snapshotter = Snapshotter(
            registry: registry, durable: durable(writer),
            store: SnapshotStore(directory: DataDirectory.snapshotDirectory(data)),
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
                    if case .success(let reply) = outcome.result, round % 2 == 0 {
                        _ = await session.confirm(reply.holdID)
                    }
                    if round == 150 { _ = try? await first.registry.dropSession("x3") }
                    if round == 160 { _ = try? first.registry.createSession(try SessionConfig(id: "x3", hallID: "h")) }
                }
            }()
            var taken: [LSN] = []
            for _ in 0..<5 { taken.append(try await first.snapshotter.take()) }
            try await changes
            try await first.writer.waitDurable(through: first.writer.lastLSN)
            let live = await digests(first.registry)
            first.writer.close()
            // The newest two are kept. Snapshots at one LSN share a file (a loaded machine may run no change
            // between two takes), so the kept files are the newest two distinct LSNs taken.
            #expect(taken.count == 5)
            #expect(
                try SnapshotStore(directory: DataDirectory.snapshotDirectory(data)).lsns()
                    == Array(Set(taken).sorted().suffix(2)))
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
            let firstSegment = Format.firstLSN(
                ofSegment: URL(fileURLWithPath: try segmentPaths(wal)[0]).lastPathComponent)!
            #expect(firstSegment <= oldest + 1)
            #expect(firstSegment > 1)
            let second = try self.open(data)
            #expect(await digests(second.registry) == live)
            second.writer.close()
        }
    }
}

/// Found by `make fuzz` (snapshot-fuzz): a checksummed snapshot that claims a huge decompressed size made loading
/// allocate it, and one whose image is not a possible state (a seat in two holds) trapped while being restored.
/// Both must be refusals, so that loading falls back to an older snapshot.
struct SnapshotDamageTests {
    @Test func anLZ4BlockClaimingMoreThanItCanHoldIsRefusedWithoutAllocating() {
        let block = LZ4.compress([UInt8](repeating: 7, count: 4_096))!
        #expect(LZ4.decompress(block[...], rawCount: 4_096) == [UInt8](repeating: 7, count: 4_096))
        #expect(LZ4.decompress(block[...], rawCount: 4_211_080_880) == nil)
        #expect(LZ4.decompress(block[...], rawCount: block.count * 256 + 65) == nil)
    }

    @Test func anImageThatIsNotAPossibleStateIsRefused() throws {
        let hall = try Hall(id: "h", specs: [RowSpec(label: "A", ranges: [1...10])])
        let config = try SessionConfig(id: "s", hallID: "h")
        func hold(_ raw: UInt64, _ seats: [Int32]) -> Hold {
            Hold(
                id: HoldID(raw: raw), customer: "c", seats: seats, createdAtMs: 1, expiresAtMs: 2, isSold: false,
                ref: nil, createdLSN: 3)
        }
        let restore = { (holds: [Hold], expired: [HoldID]) throws(SeatError) -> SessionState in
            try SessionState(
                restoring: 2, config: config, hall: hall, lastLSN: 9, confirmsTotal: 0, holds: holds,
                keys: [], expired: expired)
        }
        #expect(try restore([hold(1, [0, 1]), hold(2, [3])], []).seats.heldCount == 3)
        #expect(throws: SeatError.self) { try restore([hold(1, [0, 1]), hold(2, [1, 2])], []) }  // a seat in two holds
        #expect(throws: SeatError.self) { try restore([hold(1, [10])], []) }  // past the hall
        #expect(throws: SeatError.self) { try restore([hold(1, [2, 1])], []) }  // not ascending
        #expect(throws: SeatError.self) { try restore([hold(1, [1]), hold(1, [2])], []) }  // one id twice
        #expect(throws: SeatError.self) { try restore([hold(1, [1])], [HoldID(raw: 1)]) }  // live and expired
    }
}
