import Foundation
import SeatActors
import SeatdTestSupport
import Synchronization
import Testing

@testable import Store
@testable import WAL

/// Goal: snapshots are taken one at a time, whoever asks (the SNAPSHOT command, the schedule, shutdown), and their
/// blocking work (encoding, writing, fsync) runs on the I/O thread, so session actors keep answering while a
/// snapshot is being written. Method: a real data directory behind a storage whose snapshot fsyncs block at a gate
/// until the test opens it; a watchdog thread opens it anyway after 30 s, so a regression fails instead of hanging.
struct SnapshotSchedulingTests {
    func service(_ data: String, _ storage: GatedStorage) throws -> LogService {
        try LogService(
            data: data, storage: storage, segmentBytes: 1 << 20, clock: ManualClock(),
            ids: SeededHoldIDSource(seed: 5))
    }

    /// Opens the gate after `seconds` whatever happens (a thread of its own: the cooperative pool may be stuck).
    func watchdog(_ storage: GatedStorage, seconds: Double = 30) {
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            storage.reopen()
        }
    }

    func waitUntilBlocked(_ storage: GatedStorage, count: Int = 1) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while storage.waiting.load(ordering: .relaxed) < count, storage.isShut, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func requestsAreAnsweredWhileSnapshotsAreBeingWritten() async throws {
        try await withTemporaryDirectory { data in
            let storage = GatedStorage(PosixStorage(), only: ".snap")
            let service = try self.service(data, storage)
            defer { service.close() }
            try await workload(service.registry, service.writer!, count: 200)
            storage.shut()
            self.watchdog(storage)
            // As many snapshot requests as the cooperative pool has threads: each would hold one while it blocks.
            let takers = (0..<max(2, ProcessInfo.processInfo.activeProcessorCount)).map { _ in
                Task { try await service.takeSnapshot() }
            }
            try await self.waitUntilBlocked(storage)
            try await workload(service.registry, service.writer!, count: 200, seed: 9)
            #expect(storage.waiting.load(ordering: .relaxed) == 1, "the changes waited for the snapshot")
            storage.reopen()
            for taker in takers { _ = try await taker.value }
            let onIOThread = storage.syncsOnIOThread.withLock { $0 }
            #expect(!onIOThread.isEmpty && onIOThread.allSatisfy { $0 }, "\(onIOThread)")
        }
    }

    @Test func snapshotsAskedForAtOnceAreTakenOneAtATimeAndAllSucceed() async throws {
        try await withTemporaryDirectory { data in
            let storage = GatedStorage(PosixStorage(), only: ".snap")
            let service = try self.service(data, storage)
            defer { service.close() }
            try await workload(service.registry, service.writer!, count: 300)
            storage.shut()
            self.watchdog(storage)
            let first = Task { try await service.takeSnapshot() }
            try await self.waitUntilBlocked(storage)
            // Asked for while the first is being written: they share its LSN's temp file unless serialized.
            let wanted = service.registry.log.lastLSN
            let others = (0..<6).map { _ in Task { try await service.takeSnapshot() } }
            try await Task.sleep(for: .milliseconds(100))
            #expect(storage.waiting.load(ordering: .relaxed) <= 1, "two snapshots were written at once")
            storage.reopen()
            _ = try await first.value
            for other in others { #expect(try await other.value >= wanted) }
            let names = try PosixStorage().list(DataDirectory.snapshotDirectory(data))
            #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)")
            let store = SnapshotStore(directory: DataDirectory.snapshotDirectory(data))
            for lsn in try store.lsns() { _ = try store.read(lsn) }
        }
    }

    @Test func aSnapshotAskedForDuringAnotherCoversTheChangesBeforeIt() async throws {
        try await withTemporaryDirectory { data in
            let storage = GatedStorage(PosixStorage(), only: ".snap")
            let service = try self.service(data, storage)
            defer { service.close() }
            try await workload(service.registry, service.writer!, count: 100)
            storage.shut()
            self.watchdog(storage)
            let first = Task { try await service.takeSnapshot() }
            try await self.waitUntilBlocked(storage)
            try await workload(service.registry, service.writer!, count: 50, seed: 3)
            let wanted = service.registry.log.lastLSN
            let second = Task { try await service.takeSnapshot() }
            storage.reopen()
            let firstLSN = try await first.value
            let secondLSN = try await second.value
            #expect(firstLSN < wanted)
            #expect(secondLSN >= wanted)
        }
    }
}
