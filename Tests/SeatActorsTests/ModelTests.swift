import Testing

@testable import SeatActors

/// Goal: the engine agrees with a naive model on every reply and every seat, through thousands of random
/// operations, at hall sizes around the bitmap's word boundaries. Method: a seeded workload drives the real
/// `Session` actor (manual clock, seeded hold ids) and `NaiveModel` side by side, comparing after each step.
struct ModelTests {
    @Test(arguments: [1, 63, 64, 65, 127, 128, 129, 9_999])
    func engineAgreesWithNaiveModel(size: Int) async throws {
        // The 9,999-seat hall is checked with fewer steps: the naive model is O(seats) per step by design.
        let seeds: ClosedRange<UInt64> = size > 1_000 ? 1...1 : 1...3
        for seed in seeds {
            try await self.run(size: size, seed: seed &* 1_000 &+ UInt64(size), steps: size > 1_000 ? 400 : 1_500)
        }
    }

    func run(size: Int, seed: UInt64, steps: Int) async throws {
        var random = SplitMix64(seed: seed)
        let hall = try ModelTests.makeHall(size: size, random: &random)
        let limit: Int? = random.below(2) == 0 ? nil : 3 + random.below(6)
        let config = try SessionConfig(
            id: "s", hallID: hall.id, ttlSeconds: 60, maxTTLSeconds: 300,
            customerSeatsMax: limit)
        let clock = ManualClock()
        let log = RecordingChangeLog()
        let session = Session(
            state: SessionState(handle: 0, config: config, hall: hall), log: log, hub: EventHub(),
            clock: clock, ids: SeededHoldIDSource(seed: seed))
        var model = NaiveModel(hall: hall, ttlSeconds: 60, maxTTLSeconds: 300, limit: limit)
        var ids: [HoldID] = [HoldID(raw: 12345)]
        let context = "size \(size) seed \(seed)"
        for step in 0..<steps {
            let where_ = "\(context) step \(step)"
            let id = ids[random.below(ids.count)]
            switch random.below(10) {
            case 0...3:
                let customer = "c\(random.below(3))"
                let selection = ModelTests.selection(hall: hall, random: &random)
                let ttl: Int? = random.below(3) == 0 ? 1 + random.below(400) : nil
                let key: String? = random.below(4) == 0 ? "k\(random.below(20))" : nil
                let outcome = await session.hold(customer: customer, selection: selection, ttlSeconds: ttl, key: key)
                if let key, let first = model.keys[key] {
                    #expect(try outcome.result.get() == first, "\(where_)")
                    break
                }
                let expected = model.hold(customer: customer, selection: selection, ttl: ttl, key: key)
                switch (outcome.result, expected) {
                case (.success(let reply), .success(let indices)):
                    #expect(reply.seats == indices.map(hall.label(of:)), "\(where_)")
                    model.holds[reply.holdID] = .init(
                        seats: indices, isSold: false, expiresAtMs: reply.expiresAtMs, createdAtMs: clock.nowMs(),
                        customer: customer)
                    for seat in indices { model.seats[seat] = .held(reply.holdID) }
                    if let key { model.keys[key] = reply }
                    ids.append(reply.holdID)
                case (.failure(let got), .failure(let want)):
                    #expect(ModelTests.same(got, want), "\(where_): \(got) vs \(want)")
                default:
                    Issue.record("\(where_): engine \(outcome.result) but model \(expected)")
                }
            case 4:
                let outcome = await session.confirm(id)
                ModelTests.check(outcome.result.map { _ in () }, model.confirm(id), where_)
                if case .success = outcome.result { model.sell(id) }
            case 5:
                let outcome = await session.release(id)
                ModelTests.check(outcome.result.map { _ in () }, model.release(id), where_)
                if case .success = outcome.result { model.free(id, seats: nil) }
            case 6:
                let cancelSeats = model.holds[id].flatMap { hold in
                    random.below(2) == 0 ? nil : Array(hold.seats.prefix(1 + random.below(hold.seats.count)))
                }
                let outcome = await session.cancel(id, seats: cancelSeats.map { $0.map(hall.label(of:)) })
                ModelTests.check(outcome.result.map { _ in () }, model.cancel(id), where_)
                if case .success = outcome.result { model.free(id, seats: cancelSeats) }
            case 7:
                let ttl = 1 + random.below(200)
                let outcome = await session.extend(id, ttlSeconds: ttl)
                let expected = model.extend(id, ttl: ttl, nowMs: clock.nowMs())
                ModelTests.check(outcome.result.map { _ in () }, expected, where_)
                if case .success(let ext) = outcome.result { model.holds[id]!.expiresAtMs = ext.expiresAtMs }
            default:
                clock.advance(byMs: Int64(random.below(40_000)))
                await session.sweep(max: Int.max)
                model.expire(nowMs: clock.nowMs())
            }
            let state = await session.snapshot()
            #expect(state.mapRows().map(\.states).joined() == model.map, "\(where_)")
            #expect(state.holds.count == model.holds.count, "\(where_)")
        }
        // The log replays to the same state.
        var replayed = SessionState(handle: 0, config: config, hall: hall)
        for case (.change(_, let change), let lsn) in log.all { replayed.apply(change, lsn: lsn) }
        #expect(replayed.digest == (await session.snapshot()).digest, "\(context)")
    }

    static func selection(hall: Hall, random: inout SplitMix64) -> SeatSelection {
        switch random.below(6) {
        case 0: return .best(1 + random.below(5))
        case 1: return .any(1 + random.below(5))
        default:
            var picked: [SeatLabel] = []
            for _ in 0...random.below(3) {
                let label =
                    random.below(40) == 0
                    ? SeatLabel(row: "ZZZ", number: 1) : hall.label(of: random.below(hall.capacity))
                if !picked.contains(label) { picked.append(label) }
            }
            return .explicit(picked)
        }
    }

    /// A hall of exactly `size` seats: rows of random lengths, some with aisles.
    static func makeHall(size: Int, random: inout SplitMix64) throws -> Hall {
        var specs: [RowSpec] = []
        var total = 0
        while total < size {
            let count = min(1 + random.below(40), size - total)
            var ranges: [ClosedRange<Int>] = []
            var left = count
            var next = 1 + random.below(3)
            while left > 0 {
                let part = random.below(3) == 0 ? left : min(left, 1 + random.below(left))
                ranges.append(next...(next + part - 1))
                next += part + (random.below(2) == 0 ? 0 : 1 + random.below(2))
                left -= part
            }
            specs.append(RowSpec(label: RowSpec.label(forRowIndex: specs.count), ranges: ranges))
            total += count
        }
        return try Hall(id: "h", specs: specs)
    }

    static func same(_ a: SeatError, _ b: SeatError) -> Bool {
        switch (a, b) {
        case (.limit, .limit), (.notHeld, .notHeld), (.badRequest, .badRequest): true
        default: a == b
        }
    }

    static func check(_ got: Result<Void, SeatError>, _ want: Result<Void, SeatError>, _ where_: String) {
        switch (got, want) {
        case (.success, .success): break
        case (.failure(let a), .failure(let b)): #expect(same(a, b), "\(where_): \(a) vs \(b)")
        default: Issue.record("\(where_): engine \(got) but model \(want)")
        }
    }
}

extension NaiveModel {
    func live(_ id: HoldID) -> Result<ModelHold, SeatError> {
        if let hold = self.holds[id] { return .success(hold) }
        return .failure(self.expired.contains(id) ? .expired("\(id)") : .noSuchHold("\(id)"))
    }

    func confirm(_ id: HoldID) -> Result<Void, SeatError> { self.live(id).map { _ in () } }

    func release(_ id: HoldID) -> Result<Void, SeatError> {
        self.live(id).flatMap { $0.isSold ? .failure(.notHeld("")) : .success(()) }
    }

    func cancel(_ id: HoldID) -> Result<Void, SeatError> {
        self.live(id).flatMap { $0.isSold ? .success(()) : .failure(.notHeld("")) }
    }

    func extend(_ id: HoldID, ttl: Int, nowMs: Int64) -> Result<Void, SeatError> {
        self.live(id).flatMap { hold in
            if hold.isSold { return .failure(.notHeld("")) }
            if nowMs + Int64(ttl) * 1_000 > hold.createdAtMs + Int64(self.maxTTLSeconds) * 1_000 {
                return .failure(.limit(""))
            }
            return .success(())
        }
    }

    mutating func sell(_ id: HoldID) {
        guard !self.holds[id]!.isSold else { return }
        self.holds[id]!.isSold = true
        for seat in self.holds[id]!.seats { self.seats[seat] = .sold(id) }
    }

    mutating func free(_ id: HoldID, seats: [Int]?) {
        let freed = seats ?? self.holds[id]!.seats
        for seat in freed { self.seats[seat] = .free }
        self.holds[id]!.seats.removeAll { freed.contains($0) }
        if self.holds[id]!.seats.isEmpty { self.holds[id] = nil }
    }
}
