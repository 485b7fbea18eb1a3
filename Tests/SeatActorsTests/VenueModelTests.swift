import Foundation
import Testing

@testable import SeatActors

/// Goal: the 1.1 hall model (categories, flags, blocked and reserved seats, GA areas, orphans=avoid, fallback=split)
/// agrees with a naive model on every reply, seat and count through random operations, at hall sizes around the
/// bitmap's word boundaries. Method: `NaiveVenue` keeps arrays of seat facts and finds BEST by brute force over
/// every block, counting a row's orphans before and after each candidate (the engine only looks at a block's
/// edges); a seeded workload drives the real `Session` actor and the model side by side.
@Suite(.serialized)
struct VenueModelTests {
    /// Kept light (the suite runs in parallel on two cores, and the brute force is quadratic in a row's seats):
    /// `SEATD_VENUE_MODEL_SEEDS=n` runs n seeds per size instead of 1. Serialized, so that it holds one thread of
    /// the pool, not all of them, while the socket tests run beside it.
    @Test(arguments: [1, 63, 64, 65, 127, 128, 129, 300])
    func engineAgreesWithNaiveVenue(size: Int) async throws {
        let seeds = UInt64(ProcessInfo.processInfo.environment["SEATD_VENUE_MODEL_SEEDS"].flatMap(Int.init) ?? 1)
        for seed in UInt64(1)...max(seeds, 1) {
            try await self.run(size: size, seed: seed &* 7_919 &+ UInt64(size), steps: size > 200 ? 200 : 400)
        }
    }

    func run(size: Int, seed: UInt64, steps: Int) async throws {
        var random = SplitMix64(seed: seed)
        let base = try ModelTests.makeHall(size: size, random: &random)
        let hall = try Self.dress(base, random: &random)
        let limit: Int? = random.below(3) == 0 ? 4 + random.below(8) : nil
        let avoids = random.below(2) == 0
        let config = try SessionConfig(
            id: "s", hallID: hall.id, ttlSeconds: 60, maxTTLSeconds: 300,
            customerSeatsMax: limit, avoidsOrphans: avoids)
        let clock = ManualClock()
        let log = RecordingChangeLog()
        let session = Session(
            state: SessionState(handle: 0, config: config, hall: hall), log: log, hub: EventHub(),
            clock: clock, ids: SeededHoldIDSource(seed: seed))
        var model = NaiveVenue(hall: hall, limit: limit, avoidsOrphans: avoids)
        var ids: [HoldID] = [HoldID(raw: 4242)]
        for step in 0..<steps {
            if step % 25 == 0 { await Task.yield() }  // let the socket tests beside it run
            let at = "size \(size) seed \(seed) step \(step)"
            let id = ids[random.below(ids.count)]
            switch random.below(12) {
            case 0...4:
                let customer = "c\(random.below(3))"
                let (selection, options) = Self.request(hall: hall, random: &random)
                let outcome = await session.hold(customer: customer, selection: selection, options: options)
                let expected = model.hold(customer: customer, selection, options)
                switch (outcome.result, expected) {
                case (.success(let reply), .success(let chosen)):
                    #expect(reply.seats == chosen.seats.map(hall.label(of:)), "\(at) \(selection) \(options)")
                    #expect(
                        reply.places
                            == chosen.places.map { AreaPlaces(area: hall.areas[$0.area].name, count: $0.count) },
                        "\(at)")
                    model.take(reply.holdID, customer: customer, chosen, expiresAtMs: reply.expiresAtMs)
                    ids.append(reply.holdID)
                case (.failure(let got), .failure(let want)):
                    #expect(ModelTests.same(got, want), "\(at) \(selection) \(options): \(got) vs \(want)")
                default:
                    Issue.record("\(at) \(selection) \(options): engine \(outcome.result) but model \(expected)")
                }
            case 5:
                let outcome = await session.confirm(id)
                #expect(((try? outcome.result.get()) != nil) == (model.holds[id] != nil), "\(at)")
                if case .success = outcome.result { model.holds[id]!.sold = true }
            case 6:
                let outcome = await session.release(id)
                #expect(((try? outcome.result.get()) != nil) == (model.holds[id]?.sold == false), "\(at)")
                if case .success = outcome.result {
                    model.cancel(id, seats: model.holds[id]!.seats, places: model.holds[id]!.places)
                }
            case 7:
                // CANCEL some seats and places of a booking, or all of it.
                guard let hold = model.holds[id], hold.sold else {
                    #expect((try? (await session.cancel(id)).result.get()) == nil, "\(at)")
                    break
                }
                let seats = Array(hold.seats.prefix(random.below(hold.seats.count + 1)))
                let places = hold.places.prefix(random.below(hold.places.count + 1)).map {
                    PlaceCount(area: $0.area, count: 1 + random.below($0.count))
                }
                let whole = seats.isEmpty && places.isEmpty
                let outcome = await session.cancel(
                    id, seats: whole ? nil : seats.map(hall.label(of:)),
                    places: places.map { AreaPlaces(area: hall.areas[$0.area].name, count: $0.count) })
                #expect((try? outcome.result.get()) != nil, "\(at)")
                model.cancel(id, seats: whole ? hold.seats : seats, places: whole ? hold.places : places)
            case 8, 9:
                // BLOCK, UNBLOCK, RESERVE or UNRESERVE a few seats.
                guard hall.seatCount > 0 else { break }
                let seats = Array(Set((0...random.below(3)).map { _ in random.below(hall.seatCount) })).sorted()
                let labels = seats.map(hall.label(of:))
                let kind = random.below(4)
                let channel = "ch\(random.below(2))"
                let outcome =
                    kind < 2
                    ? await session.block(labels, kind == 0)
                    : await session.reserve(labels, for: kind == 2 ? channel : nil)
                let free = seats.allSatisfy { model.owner[$0] == nil }
                if kind == 1 || kind == 3 || free {
                    #expect((try? outcome.result.get()) == labels, "\(at)")
                    for seat in seats {
                        switch kind {
                        case 0: model.blocked[seat] = true
                        case 1: model.blocked[seat] = false
                        case 2: model.reserved[seat] = channel
                        default: model.reserved[seat] = nil
                        }
                    }
                } else {
                    let taken = seats.filter { model.owner[$0] != nil }.map(hall.label(of:))
                    #expect(outcome.result.failure == .taken(taken), "\(at)")
                }
            default:
                clock.advance(byMs: Int64(random.below(40_000)))
                await session.sweep(max: Int.max)
                model.expire(nowMs: clock.nowMs())
            }
            let state = await session.snapshot()
            #expect(state.mapRows().map(\.states).joined() == model.map, "\(at)")
            #expect(state.mapAreas() == model.areas, "\(at)")
            #expect(state.counts == model.counts, "\(at)")
        }
        var replayed = SessionState(handle: 0, config: config, hall: hall)
        for case (.change(_, let change), let lsn) in log.all {
            try replayed.validate(change, lsn: lsn)
            replayed.apply(change, lsn: lsn)
        }
        #expect(replayed.digest == (await session.snapshot()).digest, "size \(size) seed \(seed)")
    }

    /// The hall with a category `vip` (a few random row spans), `std` (the rest of some rows and area `deck`),
    /// flag `wc` on random seats, and areas `pit` and `deck`.
    static func dress(_ hall: Hall, random: inout SplitMix64) throws -> Hall {
        var parts: [HallPart] = [
            .area("pit", capacity: 3 + random.below(10)), .area("deck", capacity: 1 + random.below(4)),
        ]
        var vip: [HallTarget] = []
        var std: [HallTarget] = [.area("deck")]
        var wc: [HallTarget] = []
        for row in hall.rows {
            let first = hall.label(of: row.firstIndex)
            let last = hall.label(of: row.firstIndex + row.seatCount - 1)
            switch random.below(3) {
            case 0: vip.append(.seats(first, through: last))
            case 1: std.append(.seats(first, through: last))
            default: break
            }
            if random.below(3) == 0 {
                let seat = hall.label(of: row.firstIndex + random.below(row.seatCount))
                wc.append(.seats(seat, through: seat))
            }
        }
        if !vip.isEmpty { parts.append(.category("vip", vip)) }
        parts.append(.category("std", std))
        if !wc.isEmpty { parts.append(.flag("wc", wc)) }
        return try Hall(id: "h", specs: hall.specs, parts: parts)
    }

    static func request(hall: Hall, random: inout SplitMix64) -> (SeatSelection, HoldOptions) {
        var options = HoldOptions()
        if random.below(3) == 0 { options.channel = "ch\(random.below(2))" }
        switch random.below(6) {
        case 0, 1:
            if random.below(3) == 0 { options.category = ["vip", "std"][random.below(2)] }
            if random.below(4) == 0 { options.flag = "wc" }
            if random.below(3) == 0 { options.avoidOrphans = random.below(2) == 0 }
            options.split = random.below(3) == 0
            return (.best(1 + random.below(6)), options)
        case 2:
            if random.below(3) == 0 { options.category = ["vip", "std"][random.below(2)] }
            return (.any(1 + random.below(5)), options)
        default:
            var picked: [SeatLabel] = []
            if hall.seatCount > 0 {
                for _ in 0..<random.below(3) {
                    let label = hall.label(of: random.below(hall.seatCount))
                    if !picked.contains(label) { picked.append(label) }
                }
            }
            if random.below(2) == 0 { options.places.append(AreaPlaces(area: "pit", count: 1 + random.below(4))) }
            if random.below(4) == 0 {
                options.places.append(AreaPlaces(area: ["deck", "nope"][random.below(2)], count: 1))
            }
            return (.explicit(picked), options)
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// One session of a dressed hall as plain arrays. BEST is brute force over every block of every row.
struct NaiveVenue {
    struct Chosen: Equatable {
        var seats: [Int]
        var places: [PlaceCount]
    }

    struct ModelHold {
        var seats: [Int]
        var places: [PlaceCount]
        var sold = false
        let customer: String
        let expiresAtMs: Int64
    }

    let hall: Hall
    let limit: Int?
    let avoidsOrphans: Bool
    var owner: [HoldID?]
    var blocked: [Bool]
    var reserved: [String?]
    var holds: [HoldID: ModelHold] = [:]

    init(hall: Hall, limit: Int?, avoidsOrphans: Bool) {
        self.hall = hall
        self.limit = limit
        self.avoidsOrphans = avoidsOrphans
        self.owner = Array(repeating: nil, count: hall.seatCount)
        self.blocked = Array(repeating: false, count: hall.seatCount)
        self.reserved = Array(repeating: nil, count: hall.seatCount)
        self.numbers = (0..<hall.seatCount).map { hall.label(of: $0).number }
    }

    var numbers: [Int] = []
    func number(_ seat: Int) -> Int { self.numbers[seat] }
    func inSet(_ set: Hall.SeatSet, _ seat: Int) -> Bool { set.mask[seat >> 6] & (1 << UInt64(seat & 63)) != 0 }
    func isOpen(_ seat: Int) -> Bool { self.owner[seat] == nil && !self.blocked[seat] }

    func available(_ seat: Int, _ options: HoldOptions, filtered: Bool) -> Bool {
        guard self.isOpen(seat), self.reserved[seat] == nil || self.reserved[seat] == options.channel else {
            return false
        }
        guard filtered else { return true }
        if let name = options.category, !self.inSet(self.hall.categories[self.hall.category(named: name)!], seat) {
            return false
        }
        if let name = options.flag, !self.inSet(self.hall.flags[self.hall.flag(named: name)!], seat) { return false }
        return true
    }

    func placesTaken(_ area: Int) -> Int {
        self.holds.values.reduce(0) { $0 + ($1.places.first { $0.area == area }?.count ?? 0) }
    }

    mutating func hold(
        customer: String, _ selection: SeatSelection, _ options: HoldOptions
    ) -> Result<Chosen, SeatError> {
        if case .explicit(let labels) = selection {
            let missing = options.places.filter { self.hall.area(named: $0.area) == nil }.map(\.area)
            if !missing.isEmpty { return .failure(.noSuchSeat([], areas: missing)) }
            let places = options.places.map { PlaceCount(area: self.hall.area(named: $0.area)!, count: $0.count) }
                .sorted { $0.area < $1.area }
            let seats = labels.map { self.hall.index(of: $0)! }.sorted()
            let items = seats.count + places.reduce(0) { $0 + $1.count }
            if items == 0 { return .failure(.badRequest("")) }
            if let failure = self.limitFailure(customer, items) { return .failure(failure) }
            let taken = seats.filter { !self.available($0, options, filtered: false) }
            if !taken.isEmpty { return .failure(.taken(taken.map(self.hall.label(of:)))) }
            let short = places.filter { self.hall.areas[$0.area].capacity - self.placesTaken($0.area) < $0.count }
            if !short.isEmpty { return .failure(.areasSoldOut(short.map { self.hall.areas[$0.area].name })) }
            return .success(Chosen(seats: seats, places: places))
        }
        if let name = options.category, self.hall.category(named: name) == nil { return .failure(.badRequest("")) }
        if let name = options.flag, self.hall.flag(named: name) == nil { return .failure(.badRequest("")) }
        if let failure = self.limitFailure(customer, selection.count) { return .failure(failure) }
        var pool = (0..<self.hall.seatCount).filter { self.available($0, options, filtered: true) }
        guard pool.count >= selection.count else {
            return .failure(.soldOut(requested: selection.count, free: pool.count))
        }
        if case .any(let n) = selection {
            let ranked = pool.map { (self.distance4($0, $0), $0) }.sorted { $0 < $1 }
            return .success(Chosen(seats: ranked.prefix(n).map(\.1).sorted(), places: []))
        }
        let n = selection.count
        let avoid = options.avoidOrphans ?? self.avoidsOrphans
        guard options.split else {
            guard let block = self.best(n, pool: pool, avoid: avoid, blockedExtra: []) else {
                return .failure(.noAdjacent(n))
            }
            return .success(Chosen(seats: block, places: []))
        }
        var chosen: [Int] = []
        while chosen.count < n {
            let size = min(n - chosen.count, self.largestRun(pool))
            let block = self.best(size, pool: pool, avoid: avoid, blockedExtra: chosen)!
            chosen += block
            pool.removeAll { block.contains($0) }
        }
        return .success(Chosen(seats: chosen.sorted(), places: []))
    }

    func limitFailure(_ customer: String, _ items: Int) -> SeatError? {
        if items > Limits.seatsPerHoldMax { return .limit("") }
        guard let limit = self.limit else { return nil }
        let owned = self.holds.values.filter { $0.customer == customer }.reduce(0) {
            $0 + $1.seats.count + $1.places.reduce(0) { $0 + $1.count }
        }
        return owned + items > limit ? .limit("") : nil
    }

    /// Runs of the pool: seats adjacent in a row (consecutive numbers), as index lists.
    func runs(_ pool: [Int]) -> [[Int]] {
        var runs: [[Int]] = []
        for seat in pool {
            if let last = runs.last?.last, self.hall.rowIndex(of: last) == self.hall.rowIndex(of: seat),
                self.number(seat) == self.number(last) + 1, seat == last + 1
            {
                runs[runs.count - 1].append(seat)
            } else {
                runs.append([seat])
            }
        }
        return runs
    }

    func largestRun(_ pool: [Int]) -> Int { self.runs(pool).map(\.count).max() ?? 0 }

    /// Orphans of one row with `taken` seats also taken.
    func orphans(row rowIndex: Int, taken: Set<Int>) -> Int {
        let row = self.hall.rows[rowIndex]
        let seats = row.firstIndex..<(row.firstIndex + row.seatCount)
        func open(_ seat: Int) -> Bool { self.isOpen(seat) && !taken.contains(seat) }
        func neighbour(_ seat: Int, _ step: Int) -> Int? {
            let other = seat + step
            guard seats.contains(other), self.number(other) == self.number(seat) + step else { return nil }
            return other
        }
        return seats.filter { seat in
            open(seat) && !(neighbour(seat, -1).map(open) ?? false) && !(neighbour(seat, 1).map(open) ?? false)
        }.count
    }

    func best(_ n: Int, pool: [Int], avoid: Bool, blockedExtra: [Int]) -> [Int]? {
        var best: ((Int, Int, Int), [Int])? = nil
        var bestAvoiding: ((Int, Int, Int), [Int])? = nil
        let extra = Set(blockedExtra)
        var before: [Int: Int] = [:]
        for run in self.runs(pool) where run.count >= n {
            for start in 0...(run.count - n) {
                let block = Array(run[start..<(start + n)])
                let rowIndex = self.hall.rowIndex(of: block[0])
                let key = (self.distance4(block[0], block[n - 1]), rowIndex, self.number(block[0]))
                if best == nil || key < best!.0 { best = (key, block) }
                if avoid, before[rowIndex] == nil { before[rowIndex] = self.orphans(row: rowIndex, taken: extra) }
                if avoid, self.orphans(row: rowIndex, taken: extra.union(block)) <= before[rowIndex]!,
                    bestAvoiding == nil || key < bestAvoiding!.0
                {
                    bestAvoiding = (key, block)
                }
            }
        }
        return (bestAvoiding ?? best)?.1
    }

    func distance4(_ first: Int, _ last: Int) -> Int {
        let rowIndex = self.hall.rowIndex(of: first)
        let row = self.hall.rows[rowIndex]
        let dr = 2 * rowIndex - (self.hall.rows.count - 1)
        let dc = self.number(first) + self.number(last) - row.lowNumber - row.highNumber
        return dr * dr + dc * dc
    }

    mutating func take(_ id: HoldID, customer: String, _ chosen: Chosen, expiresAtMs: Int64) {
        for seat in chosen.seats { self.owner[seat] = id }
        self.holds[id] = ModelHold(
            seats: chosen.seats, places: chosen.places, customer: customer, expiresAtMs: expiresAtMs)
    }

    mutating func cancel(_ id: HoldID, seats: [Int], places: [PlaceCount]) {
        for seat in seats { self.owner[seat] = nil }
        var hold = self.holds[id]!
        hold.seats.removeAll { seats.contains($0) }
        hold.places = hold.places.compactMap { place in
            let left = place.count - (places.first { $0.area == place.area }?.count ?? 0)
            return left > 0 ? PlaceCount(area: place.area, count: left) : nil
        }
        self.holds[id] = hold.seats.isEmpty && hold.places.isEmpty ? nil : hold
    }

    mutating func expire(nowMs: Int64) {
        for (id, hold) in self.holds where !hold.sold && hold.expiresAtMs <= nowMs {
            for seat in hold.seats { self.owner[seat] = nil }
            self.holds[id] = nil
        }
    }

    var map: String {
        String(
            self.owner.indices.map { seat -> Character in
                if let owner = self.owner[seat] { return self.holds[owner]!.sold ? "x" : "h" }
                return self.blocked[seat] ? "b" : self.reserved[seat] != nil ? "r" : "."
            })
    }

    var areas: [String] {
        self.hall.areas.indices.map {
            "\(self.hall.areas[$0].name):\(self.hall.areas[$0].capacity - self.placesTaken($0))/\(self.hall.areas[$0].capacity)"
        }
    }

    var counts: SeatCounts {
        var (free, held, sold, blocked, reserved) = (0, 0, 0, 0, 0)
        for seat in self.owner.indices {
            if let owner = self.owner[seat] {
                if self.holds[owner]!.sold { sold += 1 } else { held += 1 }
            } else if self.blocked[seat] {
                blocked += 1
            } else if self.reserved[seat] != nil {
                reserved += 1
            } else {
                free += 1
            }
        }
        for hold in self.holds.values {
            let places = hold.places.reduce(0) { $0 + $1.count }
            if hold.sold { sold += places } else { held += places }
        }
        free += self.hall.areas.indices.reduce(0) { $0 + self.hall.areas[$1].capacity - self.placesTaken($1) }
        var counts = SeatCounts(free: free, held: held, sold: sold)
        if self.blocked.contains(true) || self.everReserved {
            (counts.blocked, counts.reserved, counts.setAside) = (blocked, reserved, true)
        }
        return counts
    }

    var everReserved: Bool { self.reserved.contains { $0 != nil } }
}
