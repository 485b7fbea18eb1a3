import Foundation
import SeatActors
import SeatdTestSupport
import Testing

@testable import Store
@testable import WAL

/// Goal: what the log acknowledged comes back after a restart, a torn tail is cut exactly at the last whole
/// batch, and damage anywhere else refuses to start with the file, offset and LSN. Method: real files in a temp
/// directory, cut, zeroed and bit-flipped by hand (etcd's TestOpenOnTornWrite), then `Recovery.recover`.
struct RecoveryTests {
    @Test func aReopenedLogReplaysToTheLiveState() async throws {
        try await withTemporaryDirectory { dir in
            let (registry, writer) = try openLog(dir)
            try await workload(registry, writer, count: 300)
            let live = await digests(registry)
            writer.close()
            let recovered = try Recovery.recover(directory: dir)
            #expect(digests(recovered.state) == live)
            #expect(recovered.lastLSN == writer.lastLSN)
            #expect(recovered.repairs.isEmpty)
            // And the log continues where it stopped, across restarts.
            let (again, writer2) = try openLog(dir)
            try await workload(again, writer2, count: 100, seed: 2)
            let live2 = await digests(again)
            writer2.close()
            #expect(digests(try Recovery.recover(directory: dir).state) == live2)
        }
    }

    @Test func segmentsRollAndReplayInOrder() async throws {
        try await withTemporaryDirectory { dir in
            let (registry, writer) = try openLog(dir, segmentBytes: 64 << 10)
            try await workload(registry, writer, count: 2_500)
            let live = await digests(registry)
            writer.close()
            #expect(try segmentPaths(dir).count >= 3)
            #expect(writer.statistics.segments >= 3)
            #expect(digests(try Recovery.recover(directory: dir).state) == live)
        }
    }

    @Test func aTornTailIsCutAtTheLastWholeBatchAtEveryOffset() async throws {
        try await withTemporaryDirectory { dir in
            let (registry, writer) = try openLog(dir)
            try await workload(registry, writer, count: 40)
            let before = await digests(registry)
            let lsnBefore = writer.lastLSN
            try await workload(registry, writer, count: 1, seed: 9)
            writer.close()
            let path = try segmentPaths(dir)[0]
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            let last = try batchRanges(path).last!
            let bytes = [UInt8](original)
            let storedCount = Int(bytes[last.lowerBound + 24]) | Int(bytes[last.lowerBound + 25]) << 8
            let contentEnd = last.lowerBound + Format.batchHeaderBytes + storedCount
            for cut in last.lowerBound..<contentEnd {
                // The first byte after the cut differs from the byte cut off, or the batch would be whole again.
                var garbage = Data((0..<300).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) })
                garbage[0] = ~bytes[cut]
                for tail in [Data(), Data(count: 300), garbage] where !(tail.first == 0 && bytes[cut] == 0) {
                    try (original[0..<cut] + tail).write(to: URL(fileURLWithPath: path))
                    let recovered = try Recovery.recover(directory: dir, repair: false)
                    #expect(digests(recovered.state) == before, "cut at \(cut)")
                    #expect(recovered.lastLSN == lsnBefore)
                    #expect(recovered.tail?.offset == last.lowerBound)
                    #expect(
                        recovered.repairs.count == (cut == last.lowerBound && tail.allSatisfy { $0 == 0 } ? 0 : 1),
                        "cut at \(cut)")
                }
            }
        }
    }

    /// `seatd check` reads with repair off: it says what a start would truncate, and truncates nothing.
    @Test func aTornTailReadWithoutRepairWouldBeTruncatedAndIsLeftAsItIs() async throws {
        try await withTemporaryDirectory { dir in
            let (registry, writer) = try openLog(dir)
            try await workload(registry, writer, count: 10)
            writer.close()
            let path = try segmentPaths(dir)[0]
            let last = try batchRanges(path).last!
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[last.lowerBound + Format.batchHeaderBytes] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let recovered = try Recovery.recover(directory: dir, repair: false)
            #expect(
                recovered.repairs.count == 1 && recovered.repairs[0].hasSuffix("would be truncated"),
                "\(recovered.repairs)")
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
            let repaired = try Recovery.recover(directory: dir, repair: true)
            #expect(repaired.repairs.count == 1 && repaired.repairs[0].hasSuffix(") truncated"), "\(repaired.repairs)")
        }
    }

    @Test func aRepairedTornTailTakesNewBatches() async throws {
        try await withTemporaryDirectory { dir in
            let (registry, writer) = try openLog(dir)
            try await workload(registry, writer, count: 30)
            writer.close()
            let path = try segmentPaths(dir)[0]
            let last = try batchRanges(path).last!
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seek(toOffset: UInt64(last.lowerBound + 20))
            try handle.write(contentsOf: Data([0xFF, 0xFF, 0xFF]))
            try handle.close()
            let (again, writer2) = try openLog(dir)
            try await workload(again, writer2, count: 30, seed: 3)
            let live = await digests(again)
            writer2.close()
            let recovered = try Recovery.recover(directory: dir)
            #expect(recovered.repairs.isEmpty)
            #expect(digests(recovered.state) == live)
        }
    }

    @Test func aFlippedBitInAMiddleBatchRefusesToStart() async throws {
        try await withTemporaryDirectory { dir in
            let (registry, writer) = try openLog(dir)
            try await workload(registry, writer, count: 40)
            writer.close()
            let path = try segmentPaths(dir)[0]
            let middle = try batchRanges(path)[20]
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[middle.lowerBound + 42] ^= 0x04
            try bytes.write(to: URL(fileURLWithPath: path))
            let lsn = (0..<8).reduce(LSN(0)) { $0 | LSN(bytes[middle.lowerBound + 8 + $1]) << LSN(8 * $1) }
            #expect(
                throws: WALError.damaged(
                    file: Format.segmentName(firstLSN: 1), offset: middle.lowerBound, lsn: lsn,
                    reason: "checksum mismatch")
            ) {
                try Recovery.recover(directory: dir)
            }
        }
    }

    /// Found by `make fuzz` (log-fuzz): a checksummed record that does not fit the state (a confirm of a hold that
    /// was never made, two holds on one seat) trapped in `SessionState.apply`; it must refuse to start instead.
    @Test(arguments: [
        SessionChange.confirmed(HoldID(raw: 0xABCD), ref: nil),
        SessionChange.held(
            HeldRecord(holdID: HoldID(raw: 7), customer: "c", seats: [0, 1], createdAtMs: 1, expiresAtMs: 2, key: nil)),
        SessionChange.held(
            HeldRecord(holdID: HoldID(raw: 8), customer: "c", seats: [3, 3], createdAtMs: 1, expiresAtMs: 2, key: nil)),
        SessionChange.held(
            HeldRecord(holdID: HoldID(raw: 9), customer: "c", seats: [400], createdAtMs: 1, expiresAtMs: 2, key: nil)),
        SessionChange.cancelled(HoldID(raw: 1), seats: [0]),
    ])
    func aRecordThatDoesNotApplyRefusesToStart(_ bad: SessionChange) async throws {
        try await withTemporaryDirectory { dir in
            let writer = try LogWriter(options: .init(directory: dir), lastLSN: 0, tail: nil)
            let log = WriterLog(writer)
            let hall = try log.append(
                .hallCreated(id: "h", rows: [RowSpec(label: "A", ranges: [1...10])])
            ).lsn
            let session = try log.append(.sessionCreated(try SessionConfig(id: "s", hallID: "h"))).lsn
            let first = HeldRecord(
                holdID: HoldID(raw: 1), customer: "c", seats: [1, 2], createdAtMs: 1, expiresAtMs: 2, key: nil)
            _ = try log.append(.change(session, .held(first)))
            let lsn = try log.append(.change(session, bad)).lsn
            try await writer.waitDurable(through: lsn)
            writer.close()
            #expect(hall == 1)
            do {
                _ = try Recovery.recover(directory: dir)
                Issue.record("\(bad) was replayed")
            } catch {
                guard case .damaged(_, _, let at, let reason)? = error as? WALError else {
                    Issue.record("\(error)")
                    return
                }
                // Seats are delta-coded: a repeated seat cannot even be decoded, and the batch it is in is named.
                #expect(
                    (at == lsn && reason.hasPrefix("record does not apply"))
                        || (at <= lsn && reason.hasPrefix("undecodable batch")), "\(reason)")
            }
        }
    }

    @Test func aZeroedBlockInTheMiddleRefusesToStart() async throws {
        try await withTemporaryDirectory { dir in
            let (registry, writer) = try openLog(dir)
            try await workload(registry, writer, count: 400)
            writer.close()
            let path = try segmentPaths(dir)[0]
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let end = try batchRanges(path).last!.upperBound
            #expect(end > 12_288)
            bytes.replaceSubrange(4_096..<8_192, with: Data(count: 4_096))
            try bytes.write(to: URL(fileURLWithPath: path))
            #expect {
                try Recovery.recover(directory: dir)
            } throws: { error in
                guard case .damaged(let file, let offset, _, _) = error as? WALError else { return false }
                return file == Format.segmentName(firstLSN: 1) && offset <= 4_096 && offset > 3_000
            }
        }
    }

    @Test func aMissingMiddleSegmentRefusesToStart() async throws {
        try await withTemporaryDirectory { dir in
            let (registry, writer) = try openLog(dir, segmentBytes: 64 << 10)
            try await workload(registry, writer, count: 2_500)
            writer.close()
            let segments = try segmentPaths(dir)
            #expect(segments.count >= 3)
            try FileManager.default.removeItem(atPath: segments[1])
            #expect {
                try Recovery.recover(directory: dir)
            } throws: { error in
                guard case .damaged(let file, 0, _, let reason) = error as? WALError else { return false }
                return file == URL(fileURLWithPath: segments[2]).lastPathComponent && reason.contains("LSN gap")
            }
        }
    }

    /// While one fsync is held back (a gated disk), 200 holds are appended; once it returns, they all become durable
    /// in the next batch, with one fsync: a handful of fsyncs in all, however slow or busy the machine is.
    @Test func groupCommitPutsManyRecordsInOneFsync() async throws {
        try await withTemporaryDirectory { dir in
            let storage = GatedStorage(PosixStorage(), only: ".wal")
            let writer = try LogWriter(
                storage: storage, options: .init(directory: dir, segmentBytes: 64 << 10),
                lastLSN: 0, tail: nil)
            let registry = Registry(log: WriterLog(writer), clock: ManualClock(), ids: SeededHoldIDSource(seed: 11))
            _ = try registry.createHall(id: "h", rows: [RowSpec(label: "A", ranges: [1...500])])
            let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
            try await writer.waitDurable(through: registry.log.lastLSN)
            storage.shut()
            let first = await session.hold(customer: "first", selection: .any(2))
            // The first hold's batch waits at the gate; every other hold is appended behind it meanwhile.
            while storage.waiting.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(1)) }
            var lsns = [first.lsn]
            for task in 1..<200 { lsns.append(await session.hold(customer: "c\(task)", selection: .any(2)).lsn) }
            storage.reopen()
            try await writer.waitDurable(through: lsns.max()!)
            let stats = writer.statistics
            writer.close()
            #expect(stats.records == 202)
            // hall and session (one or two batches), the held-back batch, then the 199 others together.
            #expect(stats.fsyncs <= 4, "\(stats.fsyncs) fsyncs for 202 records")
            // Never more than one fsync per batch; batches already pending when the writer wakes share one.
            #expect(stats.fsyncs <= stats.batches)
        }
    }
}

/// Goal: `seatd check --fix` turns a refused log into its valid prefix, keeping a backup. Method: damage a middle
/// batch and a middle segment, cut, and recover.
struct RepairTests {
    @Test(arguments: [false, true])
    func cuttingAtTheDamageRecoversTheValidPrefix(damageHeader: Bool) async throws {
        try await withTemporaryDirectory { data in
            let wal = DataDirectory.walDirectory(data)
            let (registry, writer) = try openLog(wal, segmentBytes: 64 << 10)
            try await workload(registry, writer, count: 2_500)
            writer.close()
            let segments = try segmentPaths(wal)
            #expect(segments.count >= 3)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: segments[1]))
            let target = damageHeader ? 3 : try batchRanges(segments[1])[5].lowerBound + 41
            bytes[target] ^= 0x80
            try bytes.write(to: URL(fileURLWithPath: segments[1]))
            var damage: WALError?
            do { _ = try Recovery.recover(directory: wal) } catch { damage = error as? WALError }
            let found = try #require(damage)
            let report = try Repair.cut(data: data, at: found, backupDirectory: data + "/backup")
            #expect(try PosixStorage().list(data + "/backup").count == segments.count)
            let recovered = try Recovery.recover(directory: wal)
            guard case .damaged(_, _, let lsn, _) = found else {
                Issue.record("not a damage: \(found)")
                return
            }
            #expect(recovered.lastLSN == lsn - 1)
            #expect(report.removedSegments.count == (damageHeader ? segments.count - 1 : segments.count - 2))
        }
    }
}
