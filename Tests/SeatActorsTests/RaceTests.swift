import Testing

@testable import SeatActors

/// Goal: many concurrent tasks fighting over the same few seats of one session never get a seat into two holds
/// or bookings. Method: 32 tasks hold, confirm, release and cancel on a 20-seat hall; every successful reply is
/// kept with its LSN, then the replies are replayed in LSN order against a plain seat array, which must accept
/// every one of them (a HOLD on a seat that the history says is taken is a double sale). The final state must
/// satisfy the invariants and match that history.
struct RaceTests {
    enum Observed: Sendable {
        case held([SeatLabel], HoldID)
        case confirmed(HoldID)
        case freed(HoldID, [SeatLabel])
    }

    @Test func concurrentHoldsNeverShareASeat() async throws {
        let registry = Registry(log: InMemoryChangeLog(), clock: ManualClock(), ids: SeededHoldIDSource(seed: 9))
        _ = try registry.createHall(id: "h", rows: try rows("A=10 B=10"))
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
        let labels = session.hall.rows.flatMap { row in
            (1...row.seatCount).map { SeatLabel(row: row.label, number: $0) }
        }
        let observed = await withTaskGroup(of: [(LSN, Observed)].self) { group in
            for task in 0..<32 {
                group.addTask { await RaceTests.hammer(session, labels: labels, seed: UInt64(task)) }
            }
            var all: [(LSN, Observed)] = []
            for await part in group { all += part }
            return all
        }
        var owner: [SeatLabel: HoldID] = [:]
        var sold: Set<HoldID> = []
        for (lsn, event) in observed.sorted(by: { $0.0 < $1.0 }) {
            switch event {
            case .held(let seats, let id):
                for seat in seats {
                    #expect(owner[seat] == nil, "LSN \(lsn): \(seat) held by \(id) while owned by \(owner[seat]!)")
                    owner[seat] = id
                }
            case .confirmed(let id):
                sold.insert(id)
            case .freed(let id, let seats):
                for seat in seats {
                    #expect(owner[seat] == id, "LSN \(lsn): \(seat) freed by \(id), not its owner")
                    owner[seat] = nil
                }
            }
        }
        let state = await session.snapshot()
        state.checkInvariants()
        #expect(observed.count > 300, "\(observed.count)")
        for (index, label) in labels.enumerated() {
            #expect(state.seats.owner(of: index) == owner[label])
            if let id = owner[label] { #expect(state.seats.state(of: index) == (sold.contains(id) ? .sold : .held)) }
        }
    }

    static func hammer(_ session: Session, labels: [SeatLabel], seed: UInt64) async -> [(LSN, Observed)] {
        var random = SplitMix64(seed: seed)
        var seen: [(LSN, Observed)] = []
        for _ in 0..<200 {
            let first = random.below(labels.count - 1)
            let wanted = [labels[first], labels[first + 1]]
            let held = await session.hold(customer: "c\(seed)", selection: .explicit(wanted))
            guard case .success(let reply) = held.result else { continue }
            seen.append((held.lsn, .held(reply.seats, reply.holdID)))
            if random.below(2) == 0 {
                let released = await session.release(reply.holdID)
                if case .success = released.result { seen.append((released.lsn, .freed(reply.holdID, reply.seats))) }
                continue
            }
            let confirmed = await session.confirm(reply.holdID)
            if case .success = confirmed.result { seen.append((confirmed.lsn, .confirmed(reply.holdID))) }
            let part = await session.cancel(reply.holdID, seats: [reply.seats[0]])
            if case .success(let freed) = part.result { seen.append((part.lsn, .freed(reply.holdID, freed.seats))) }
            if random.below(20) != 0 {  // one booking in twenty keeps its last seat for good
                let rest = await session.cancel(reply.holdID)
                if case .success(let freed) = rest.result { seen.append((rest.lsn, .freed(reply.holdID, freed.seats))) }
            }
        }
        return seen
    }
}
