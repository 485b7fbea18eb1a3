import Testing

@testable import SeatActors

/// Goal: the chunked history (`EventHistory`) is the list of events it replaced: the same elements in the same
/// order after any run of appends and trims, across chunk boundaries, and a copy stays as it was while the
/// original changes (a snapshot's copy). Method: seeded random operations against an array.
struct EventHistoryTests {
    static func event(_ seq: LSN) -> SessionEvent {
        SessionEvent(
            seq: seq, atMs: Int64(seq), kind: .held, holdID: HoldID(raw: seq), customer: "c\(seq % 7)",
            seats: [Int32(seq % 500)], places: [], ref: nil)
    }

    @Test func appendsAndTrimsMatchAnArray() {
        var random = SplitMix64(seed: 30)
        var history = EventHistory()
        var model: [SessionEvent] = []
        var seq: LSN = 0
        var copies: [(EventHistory, [SessionEvent])] = []
        for round in 0..<150 {
            let appends = Int(random.next() % 3_000)
            for _ in 0..<appends {
                seq += 1
                history.append(Self.event(seq))
                model.append(Self.event(seq))
            }
            let trims = model.isEmpty ? 0 : Int(random.next() % UInt64(model.count + 1))
            history.removeFirst(trims)
            model.removeFirst(trims)
            #expect(history.count == model.count)
            #expect(history.first == model.first && history.last == model.last)
            if round % 15 == 0 {
                #expect(Array(history) == model)
                copies.append((history, model))
            }
        }
        // Copies taken along the way are unchanged by what the original did after them.
        for (copy, expected) in copies { #expect(Array(copy) == expected) }
        #expect(EventHistory(model) == history)
        let probe = model.indices.isEmpty ? [] : [0, model.count / 2, model.count - 1]
        for index in probe { #expect(history[index] == model[index]) }
    }
}
