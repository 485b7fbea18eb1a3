import Foundation
import SeatActors
import Testing

@testable import Store
@testable import WAL

/// Goal: keys do not grow a session without bound. A session takes 1,000,000 keyed holds (each released at once)
/// with keyttl=1 (`make key-memory-test`; `make test` takes 20,000, set by `SEATD_KEY_MEMORY_HOLDS`); two seconds later the sweep's forgetting leaves no more keys than live holds, and the snapshot
/// image shrinks with them. Method: the pure state, decided and applied as the actor does, and the snapshot
/// codec's encoding of the image before and after.
struct KeyMemoryTests {
    /// Yields now and then: a test that holds a thread of the pool for seconds starves the socket tests beside it.
    @Test func aMillionShortLivedKeysAreForgottenAndTheSnapshotShrinks() async throws {
        let count = ProcessInfo.processInfo.environment["SEATD_KEY_MEMORY_HOLDS"].flatMap(Int.init) ?? 20_000
        let config = try SessionConfig(id: "s", hallID: "h", keyTTLSeconds: 1)
        // More seats than `SessionState.invariantsSizeMax`, so the debug build does not check the whole state after
        // each of the two million changes.
        let hall = try Hall(
            id: "h", specs: [RowSpec(label: "A", ranges: [1...9_999]), RowSpec(label: "B", ranges: [1...9_999])])
        var state = SessionState(handle: 1, config: config, hall: hall)
        // The events the session retains are bounded on their own (`events.retain_per_session`); kept small here
        // so that the image measures the keys.
        state.retainEvents(100)
        var lsn: LSN = 1
        var nowMs: Int64 = 1_800_000_000_000
        var ids = SplitMix64(seed: 9)
        func commit(_ change: SessionChange) {
            lsn += 1
            state.apply(change, lsn: lsn)
        }
        for index in 0..<count {
            guard
                case .held(let record) = try state.decideHold(
                    customer: "c", selection: .explicit([SeatLabel(row: "A", number: 1 + index % 10)]), ttlSeconds: nil,
                    key: "k\(index)", nowMs: nowMs, newHoldID: { HoldID(raw: ids.next() | 1) })
            else {
                Issue.record("no hold at \(index)")
                return
            }
            commit(.held(record))
            commit(try state.decideRelease(record.holdID, nowMs: nowMs))
            if index % 100_000 == 0 { nowMs += 1 }
            if index % 1_000 == 0 { await Task.yield() }
        }
        #expect(state.keyCount == count)
        let before = SnapshotCodec.encode(SnapshotImage(lsn: lsn, halls: [hall], sessions: [state])).count
        nowMs += 2_000
        var sweeps = 0
        while case let due = state.keysDue(nowMs: nowMs, max: Limits.keysForgottenPerSweepMax), due > 0 {
            commit(.keysForgotten(count: due))
            sweeps += 1
        }
        #expect(state.keyCount <= state.holds.count)
        #expect(sweeps == (count + Limits.keysForgottenPerSweepMax - 1) / Limits.keysForgottenPerSweepMax)
        let after = SnapshotCodec.encode(SnapshotImage(lsn: lsn, halls: [hall], sessions: [state])).count
        #expect(after * 100 < before, "snapshot \(before) -> \(after) bytes")
        print(
            "key memory: \(count) keyed holds, snapshot image \(before) bytes with the keys, \(after) bytes after \(sweeps) sweeps"
        )
    }
}
