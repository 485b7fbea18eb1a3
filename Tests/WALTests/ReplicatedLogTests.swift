import Foundation
import SeatActors
import SeatdTestSupport
import Synchronization
import Testing

@testable import Store
@testable import WAL

/// Goal: a standby's log, written from the batches its primary wrote (`Options.onBatch`, `appendReplicated`),
/// replays to the primary's state, events and their times included; a batch that does not follow the standby's
/// log, or whose record ends do not fit its bytes, is refused. Method: two real logs in temp directories, a
/// workload on the primary, its batches handed to the standby's writer, then both recovered from disk.
struct ReplicatedLogTests {
    @Test func aStandbyWrittenFromThePrimarysBatchesReplaysToTheSameState() async throws {
        try await withTemporaryDirectory("replicated") { directory in
            let shipped = Mutex<[LogBatch]>([])
            var options = LogWriter.Options(directory: directory + "/primary", segmentBytes: 64 << 10)
            options.onBatch = { batch in shipped.withLock { $0.append(batch) } }
            let primary = try LogWriter(options: options, lastLSN: 0, tail: nil)
            let registry = Registry(log: WriterLog(primary), clock: ManualClock(), ids: SeededHoldIDSource(seed: 21))
            try await workload(registry, primary, count: 300, seed: 5)
            primary.close()
            let batches = shipped.withLock { $0 }
            #expect(batches.count > 1)
            #expect(zip(batches, batches.dropFirst()).allSatisfy { $0.lastLSN + 1 == $1.firstLSN })

            let standby = try LogWriter(
                options: .init(directory: directory + "/standby", segmentBytes: 64 << 10), lastLSN: 0, tail: nil)
            for batch in batches { try standby.appendReplicated(batch) }
            try await standby.waitDurable(through: batches.last!.lastLSN)
            standby.close()

            let original = try Recovery.recover(directory: directory + "/primary", repair: false)
            let copy = try Recovery.recover(directory: directory + "/standby", repair: false)
            #expect(copy.lastLSN == original.lastLSN && copy.records == original.records)
            #expect(digests(copy.state) == digests(original.state))
            #expect(digests(copy.state) == (await digests(registry)))
        }
    }

    @Test func aStandbysRegistryFedThePrimarysBatchesHoldsThePrimarysStateAndEvents() async throws {
        try await withTemporaryDirectory("replicated-hot") { directory in
            let shipped = Mutex<[LogBatch]>([])
            var options = LogWriter.Options(directory: directory + "/primary", segmentBytes: 64 << 10)
            options.onBatch = { batch in shipped.withLock { $0.append(batch) } }
            let primaryWriter = try LogWriter(options: options, lastLSN: 0, tail: nil)
            let clock = ManualClock()
            let primary = Registry(log: WriterLog(primaryWriter), clock: clock, ids: SeededHoldIDSource(seed: 31))
            try await workload(primary, primaryWriter, count: 200, seed: 9)
            // A second session, holds that lapse, and a drop.
            let other = try primary.createSession(try SessionConfig(id: "t", hallID: "h", ttlSeconds: 5))
            _ = try await other.hold(customer: "x", selection: .best(3)).result.get()
            clock.advance(byMs: 6_000)
            _ = await primary.sweep()
            _ = try await primary.dropSession("t")
            try await workload(primary, primaryWriter, count: 50, seed: 10)
            try await primaryWriter.waitDurable(through: primaryWriter.lastLSN)
            primaryWriter.close()

            let hub = EventHub()
            let standby = Registry(log: InMemoryChangeLog(), hub: hub, clock: ManualClock())
            let events = hub.sink(bufferMax: 100_000)
            let batches = shipped.withLock { $0 }
            for batch in batches { try await standby.replay(batch) }
            #expect(await digests(standby) == (await digests(primary)))
            #expect(standby.session("t") == nil && standby.hallIDs == primary.hallIDs)
            // Every change of the live sessions reached the standby's subscribers, in LSN order.
            let seqs = events.takeNow().map(\.seq)
            #expect(!seqs.isEmpty && zip(seqs, seqs.dropFirst()).allSatisfy { $0 < $1 })
            // A batch replayed again changes nothing.
            for batch in batches.suffix(3) { try await standby.replay(batch) }
            #expect(await digests(standby) == (await digests(primary)))
        }
    }

    @Test func batchesOfDifferentTimesStayApartOnTheStandby() async throws {
        try await withTemporaryDirectory("replicated-times") { directory in
            let standby = try LogWriter(options: .init(directory: directory), lastLSN: 0, tail: nil)
            // Two batches of the primary: the hall and session at 1,000 ms, a hold at 2,000 ms.
            func batch(_ records: [LogRecord], first: LSN, atMs: Int64) -> LogBatch {
                var payload: [UInt8] = []
                var ends: [Int] = []
                for record in records {
                    payload += RecordCodec.encode(record)
                    ends.append(payload.count)
                }
                return LogBatch(firstLSN: first, atMs: atMs, payload: payload, recordEnds: ends)
            }
            let config = try SessionConfig(id: "s", hallID: "h")
            let held = HeldRecord(
                holdID: HoldID(raw: 7), customer: "c", seats: [0], createdAtMs: 2_000, expiresAtMs: 60_000, key: nil)
            try standby.appendReplicated(
                batch(
                    [.hallCreated(id: "h", rows: [RowSpec(label: "A", ranges: [1...5])]), .sessionCreated(config)],
                    first: 1, atMs: 1_000))
            try standby.appendReplicated(batch([.change(2, .held(held))], first: 3, atMs: 2_000))
            try await standby.waitDurable(through: 3)
            standby.close()
            let recovered = try Recovery.recover(directory: directory, repair: false)
            let events = try #require(recovered.state.sessions.values.first).history
            #expect(events.map(\.seq) == [3])
            #expect(events.map(\.atMs) == [2_000])
            #expect(standby.lastLSN == 3)
        }
    }

    @Test func aBatchThatDoesNotFollowOrDoesNotFitIsRefused() async throws {
        try await withTemporaryDirectory("replicated-refused") { directory in
            let standby = try LogWriter(options: .init(directory: directory), lastLSN: 0, tail: nil)
            defer { standby.close() }
            let record = RecordCodec.encode(.sessionDropped(1))
            let gap = LogBatch(firstLSN: 2, atMs: 1, payload: record, recordEnds: [record.count])
            #expect(throws: WALError.self) { try standby.appendReplicated(gap) }
            let torn = LogBatch(firstLSN: 1, atMs: 1, payload: record, recordEnds: [record.count + 1])
            #expect(throws: WALError.self) { try standby.appendReplicated(torn) }
            let empty = LogBatch(firstLSN: 1, atMs: 1, payload: [], recordEnds: [])
            #expect(throws: WALError.self) { try standby.appendReplicated(empty) }
            #expect(standby.lastLSN == 0)
        }
    }
}
