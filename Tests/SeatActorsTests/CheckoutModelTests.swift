import Testing

@testable import SeatActors

/// Goal: the checkout verbs (ADD, RELEASE of items, SELL, a late CONFIRM within grace) and idempotency keys on
/// every change (their first reply, their lifetime) agree with a naive model through random operations at hall
/// sizes around the bitmap's word boundaries. Method: `NaiveCheckout` keeps arrays and dictionaries and shares no
/// code with the engine but the hall's numbering; a seeded workload with a small pool of keys (so keys are used
/// again, by the same verb and by others) drives the real `Session` and the model side by side.
@Suite(.serialized)
struct CheckoutModelTests {
    @Test(arguments: [1, 63, 64, 65, 128, 129])
    func engineAgreesWithNaiveCheckout(size: Int) async throws {
        try await self.run(size: size, seed: UInt64(size) &* 31 &+ 7, steps: 500)
    }

    func run(size: Int, seed: UInt64, steps: Int) async throws {
        var random = SplitMix64(seed: seed)
        let base = try ModelTests.makeHall(size: size, random: &random)
        let hall = try Hall(id: "h", specs: base.specs, parts: [.area("pit", capacity: 4 + random.below(6))])
        let limit: Int? = random.below(2) == 0 ? 5 + random.below(6) : nil
        let config = try SessionConfig(
            id: "s", hallID: "h", ttlSeconds: 30, maxTTLSeconds: 300, customerSeatsMax: limit,
            graceSeconds: 20, keyTTLSeconds: 45)
        let clock = ManualClock()
        let log = RecordingChangeLog()
        let session = Session(
            state: SessionState(handle: 0, config: config, hall: hall), log: log, hub: EventHub(),
            clock: clock, ids: SeededHoldIDSource(seed: seed))
        var model = NaiveCheckout(hall: hall, limit: limit)
        var ids: [HoldID] = [HoldID(raw: 777)]
        for step in 0..<steps {
            if step % 25 == 0 { await Task.yield() }  // let the socket tests beside it run
            let at = "size \(size) seed \(seed) step \(step)"
            let now = clock.nowMs()
            let id = ids[random.below(ids.count)]
            let customer = "c\(random.below(3))"
            let key: String? = random.below(3) == 0 ? "k\(random.below(12))" : nil
            let (seats, places) = Self.items(hall, &random)
            let verb = random.below(12)
            if verb >= 10 {
                clock.advance(byMs: Int64(random.below(25_000)))
                await session.sweep(max: Int.max)
                model.expire(nowMs: clock.nowMs())
                model.forgetKeys(nowMs: clock.nowMs())
            } else {
                model.expire(nowMs: now)
                model.forgetKeys(nowMs: now)
                let first = key.flatMap { model.keys[$0] }
                // A key used already: the engine repeats its first reply and changes nothing; so does the model.
                let saved = model
                let outcome: (repeated: KeyedAnswer?, answer: Result<KeyedAnswer, SeatError>)
                let expected: Result<KeyedAnswer, SeatError>
                switch verb {
                case 0, 1:
                    let got = await session.hold(
                        customer: customer, selection: .explicit(seats), key: key, options: HoldOptions(places: places))
                    outcome = (got.repeated, got.result.map(KeyedAnswer.hold))
                    expected = model.hold(
                        customer: customer, seats, places, nowMs: now, sell: false, id: got.result.success?.holdID)
                case 2:
                    let got = await session.add(
                        id, selection: .explicit(seats), key: key, options: HoldOptions(places: places))
                    outcome = (got.repeated, got.result.map(KeyedAnswer.hold))
                    expected = model.add(id, seats, places, nowMs: now)
                case 3:
                    let release = model.holds[id].map { Self.subset(of: $0, hall: hall, &random) } ?? (seats, places)
                    let got = await session.release(id, seats: release.0, places: release.1, key: key)
                    outcome = (got.repeated, got.result.map(KeyedAnswer.items))
                    expected = model.releaseItems(id, release.0, release.1, nowMs: now)
                case 4:
                    let got = await session.release(id, key: key)
                    outcome = (got.repeated, got.result.map(KeyedAnswer.released))
                    expected = model.release(id, nowMs: now)
                case 5, 6:
                    let got = await session.confirm(id, key: key)
                    outcome = (got.repeated, got.result.map(KeyedAnswer.items))
                    expected = model.confirm(id, nowMs: now)
                case 7:
                    let got = await session.cancel(id, key: key)
                    outcome = (got.repeated, got.result.map(KeyedAnswer.items))
                    expected = model.cancel(id)
                case 8:
                    let got = await session.sell(
                        customer: customer, selection: .explicit(seats), key: key, options: HoldOptions(places: places))
                    outcome = (got.repeated, got.result.map(KeyedAnswer.items))
                    expected = model.hold(
                        customer: customer, seats, places, nowMs: now, sell: true, id: got.result.success?.holdID)
                default:
                    let ttl = 1 + random.below(60)
                    let got = await session.extend(id, ttlSeconds: ttl, key: key)
                    outcome = (got.repeated, got.result.map(KeyedAnswer.extended))
                    expected = model.extend(id, ttl: ttl, nowMs: now)
                }
                if let first {
                    model = saved
                    #expect(
                        outcome.repeated == first,
                        "\(at): key \(key!) answered \(String(describing: outcome.repeated)), first \(first)")
                } else {
                    #expect(outcome.repeated == nil, "\(at)")
                    switch (outcome.answer, expected) {
                    case (.success(let got), .success(let want)):
                        #expect(got == want, "\(at) verb \(verb)")
                        if let key, verb != 5 && verb != 6 || !model.wasRepeatConfirm {
                            model.remember(key, got, nowMs: now)
                        }
                    case (.failure(let got), .failure(let want)):
                        #expect(ModelTests.same(got, want), "\(at) verb \(verb): \(got) vs \(want)")
                    default:
                        Issue.record("\(at) verb \(verb): engine \(outcome.answer) but model \(expected)")
                    }
                    if case .success(let answer) = outcome.answer, case .hold(let reply) = answer,
                        !ids.contains(reply.holdID)
                    {
                        ids.append(reply.holdID)
                    }
                    if case .success(let answer) = outcome.answer, case .items(let reply) = answer,
                        !ids.contains(reply.holdID)
                    {
                        ids.append(reply.holdID)
                    }
                }
            }
            let state = await session.snapshot()
            #expect(state.mapRows().map(\.states).joined() == model.map, "\(at)")
            #expect(state.mapAreas() == model.areas, "\(at)")
            #expect(state.keyCount == model.keyOrder.count, "\(at)")
        }
        var replayed = SessionState(handle: 0, config: config, hall: hall)
        for case (.change(_, let change), let lsn) in log.all {
            try replayed.validate(change, lsn: lsn)
            replayed.apply(change, lsn: lsn)
        }
        #expect(replayed.digest == (await session.snapshot()).digest, "size \(size) seed \(seed)")
    }

    /// A few random seats (maybe none) and maybe places of `pit`.
    static func items(_ hall: Hall, _ random: inout SplitMix64) -> ([SeatLabel], [AreaPlaces]) {
        var seats: [SeatLabel] = []
        for _ in 0..<random.below(3) {
            let label = hall.label(of: random.below(hall.seatCount))
            if !seats.contains(label) { seats.append(label) }
        }
        let places = random.below(3) == 0 || seats.isEmpty ? [AreaPlaces(area: "pit", count: 1 + random.below(3))] : []
        return (seats, places)
    }

    /// Some of a hold's items (maybe all of them).
    static func subset(
        of hold: NaiveCheckout.ModelHold, hall: Hall, _ random: inout SplitMix64
    ) -> ([SeatLabel], [AreaPlaces]) {
        let seats = hold.seats.filter { _ in random.below(2) == 0 }.map(hall.label(of:))
        let places =
            hold.places > 0 && random.below(2) == 0
            ? [AreaPlaces(area: "pit", count: 1 + random.below(hold.places))] : []
        if seats.isEmpty && places.isEmpty {
            return (
                hold.seats.map(hall.label(of:)), hold.places > 0 ? [AreaPlaces(area: "pit", count: hold.places)] : []
            )
        }
        return (seats, places)
    }
}

extension Result {
    var success: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}

/// One session with one GA area `pit`, as plain dictionaries. Holds live 30 s (the session's ttl), the grace is
/// 20 s, keys live 45 s.
struct NaiveCheckout {
    struct ModelHold {
        var seats: [Int]
        var places: Int
        var sold: Bool
        let customer: String
        var expiresAtMs: Int64
        let createdAtMs: Int64
    }

    let hall: Hall
    let limit: Int?
    var owner: [HoldID?]
    var holds: [HoldID: ModelHold] = [:]
    /// Holds that lapsed, with their items, for a late CONFIRM; and every id that lapsed.
    var lapsed: [HoldID: ModelHold] = [:]
    var keys: [String: KeyedAnswer] = [:]
    var keyOrder: [(key: String, usedAtMs: Int64)] = []
    /// The last CONFIRM found its hold sold already (it changes nothing and keeps no key).
    var wasRepeatConfirm = false

    init(hall: Hall, limit: Int?) {
        self.hall = hall
        self.limit = limit
        self.owner = Array(repeating: nil, count: hall.seatCount)
    }

    var capacity: Int { self.hall.areas[0].capacity }
    var placesTaken: Int { self.holds.values.reduce(0) { $0 + $1.places } }

    func labels(_ seats: [Int]) -> [SeatLabel] { seats.sorted().map(self.hall.label(of:)) }
    func placeList(_ count: Int) -> [AreaPlaces] { count > 0 ? [AreaPlaces(area: "pit", count: count)] : [] }

    mutating func expire(nowMs: Int64) {
        for (id, hold) in self.holds where !hold.sold && hold.expiresAtMs <= nowMs {
            for seat in hold.seats { self.owner[seat] = nil }
            self.holds[id] = nil
            self.lapsed[id] = hold
        }
    }

    mutating func forgetKeys(nowMs: Int64) {
        while let first = self.keyOrder.first, first.usedAtMs + 45_000 <= nowMs {
            self.keys[first.key] = nil
            self.keyOrder.removeFirst()
        }
    }

    mutating func remember(_ key: String, _ answer: KeyedAnswer, nowMs: Int64) {
        self.keys[key] = answer
        self.keyOrder.append((key, nowMs))
    }

    func owned(_ customer: String) -> Int {
        self.holds.values.filter { $0.customer == customer }.reduce(0) { $0 + $1.seats.count + $1.places }
    }

    func live(_ id: HoldID) -> Result<ModelHold, SeatError> {
        if let hold = self.holds[id] { return .success(hold) }
        return .failure(self.lapsed[id] != nil ? .expired("\(id)") : .noSuchHold("\(id)"))
    }

    /// HOLD and SELL's checks and choice on listed items, then the hold.
    mutating func hold(
        customer: String, _ labels: [SeatLabel], _ places: [AreaPlaces], nowMs: Int64, sell: Bool, id: HoldID?
    )
        -> Result<KeyedAnswer, SeatError>
    {
        let count = places.first?.count ?? 0
        if let failure = self.checks(customer, labels, count, have: 0) { return .failure(failure) }
        guard let id else { return .failure(.badRequest("engine made no hold")) }
        let seats = labels.map { self.hall.index(of: $0)! }
        for seat in seats { self.owner[seat] = id }
        self.holds[id] = ModelHold(
            seats: seats.sorted(), places: count, sold: sell, customer: customer,
            expiresAtMs: sell ? nowMs : nowMs + 30_000, createdAtMs: nowMs)
        return .success(
            sell
                ? .items(HoldSeats(holdID: id, seats: self.labels(seats), places: self.placeList(count)))
                : .hold(
                    HoldReply(
                        holdID: id, expiresAtMs: nowMs + 30_000, seats: self.labels(seats),
                        places: self.placeList(count))))
    }

    /// Items per hold, the customer's limit, taken seats, then the area.
    func checks(_ customer: String, _ labels: [SeatLabel], _ places: Int, have: Int) -> SeatError? {
        if labels.count + places == 0 { return .badRequest("") }
        if have + labels.count + places > Limits.seatsPerHoldMax { return .limit("") }
        if let limit = self.limit, self.owned(customer) + labels.count + places > limit { return .limit("") }
        let taken = labels.map { self.hall.index(of: $0)! }.sorted().filter { self.owner[$0] != nil }
        if !taken.isEmpty { return .taken(taken.map(self.hall.label(of:))) }
        if places > self.capacity - self.placesTaken { return .areasSoldOut(["pit"]) }
        return nil
    }

    mutating func add(
        _ id: HoldID, _ labels: [SeatLabel], _ places: [AreaPlaces], nowMs: Int64
    ) -> Result<KeyedAnswer, SeatError> {
        guard case .success(var hold) = self.live(id) else { return .failure(self.live(id).failure!) }
        if hold.sold { return .failure(.notHeld("")) }
        let count = places.first?.count ?? 0
        if let failure = self.checks(hold.customer, labels, count, have: hold.seats.count + hold.places) {
            return .failure(failure)
        }
        let seats = labels.map { self.hall.index(of: $0)! }
        for seat in seats { self.owner[seat] = id }
        hold.seats = (hold.seats + seats).sorted()
        hold.places += count
        self.holds[id] = hold
        return .success(
            .hold(
                HoldReply(
                    holdID: id, expiresAtMs: hold.expiresAtMs, seats: self.labels(hold.seats),
                    places: self.placeList(hold.places))))
    }

    mutating func releaseItems(
        _ id: HoldID, _ labels: [SeatLabel], _ places: [AreaPlaces], nowMs: Int64
    )
        -> Result<KeyedAnswer, SeatError>
    {
        guard case .success(var hold) = self.live(id) else { return .failure(self.live(id).failure!) }
        if hold.sold { return .failure(.notHeld("")) }
        let seats = labels.map { self.hall.index(of: $0)! }
        let count = places.first?.count ?? 0
        guard seats.allSatisfy(hold.seats.contains), count <= hold.places else { return .failure(.notHeld("")) }
        for seat in seats { self.owner[seat] = nil }
        hold.seats.removeAll { seats.contains($0) }
        hold.places -= count
        self.holds[id] = hold.seats.isEmpty && hold.places == 0 ? nil : hold
        return .success(.items(HoldSeats(holdID: id, seats: self.labels(seats), places: self.placeList(count))))
    }

    mutating func release(_ id: HoldID, nowMs: Int64) -> Result<KeyedAnswer, SeatError> {
        guard case .success(let hold) = self.live(id) else { return .failure(self.live(id).failure!) }
        if hold.sold { return .failure(.notHeld("")) }
        for seat in hold.seats { self.owner[seat] = nil }
        self.holds[id] = nil
        return .success(.released(id))
    }

    mutating func confirm(_ id: HoldID, nowMs: Int64) -> Result<KeyedAnswer, SeatError> {
        self.wasRepeatConfirm = false
        if self.holds[id] == nil, var hold = self.lapsed[id], nowMs - hold.expiresAtMs <= 20_000,
            hold.seats.allSatisfy({ self.owner[$0] == nil }), hold.places <= self.capacity - self.placesTaken
        {
            hold.sold = true
            for seat in hold.seats { self.owner[seat] = id }
            self.holds[id] = hold
            self.lapsed[id] = nil
            return .success(
                .items(HoldSeats(holdID: id, seats: self.labels(hold.seats), places: self.placeList(hold.places))))
        }
        guard case .success(var hold) = self.live(id) else { return .failure(self.live(id).failure!) }
        self.wasRepeatConfirm = hold.sold
        hold.sold = true
        self.holds[id] = hold
        return .success(
            .items(HoldSeats(holdID: id, seats: self.labels(hold.seats), places: self.placeList(hold.places))))
    }

    mutating func cancel(_ id: HoldID) -> Result<KeyedAnswer, SeatError> {
        guard case .success(let hold) = self.live(id) else { return .failure(self.live(id).failure!) }
        if !hold.sold { return .failure(.notHeld("")) }
        for seat in hold.seats { self.owner[seat] = nil }
        self.holds[id] = nil
        return .success(
            .items(HoldSeats(holdID: id, seats: self.labels(hold.seats), places: self.placeList(hold.places))))
    }

    mutating func extend(_ id: HoldID, ttl: Int, nowMs: Int64) -> Result<KeyedAnswer, SeatError> {
        guard case .success(var hold) = self.live(id) else { return .failure(self.live(id).failure!) }
        if hold.sold { return .failure(.notHeld("")) }
        let expires = nowMs + Int64(ttl) * 1_000
        if expires > hold.createdAtMs + 300_000 { return .failure(.limit("")) }
        hold.expiresAtMs = expires
        self.holds[id] = hold
        return .success(.extended(Extension(holdID: id, expiresAtMs: expires)))
    }

    var map: String {
        String(
            self.owner.map { owner -> Character in
                guard let owner else { return "." }
                return self.holds[owner]!.sold ? "x" : "h"
            })
    }

    var areas: [String] { ["pit:\(self.capacity - self.placesTaken)/\(self.capacity)"] }
}
