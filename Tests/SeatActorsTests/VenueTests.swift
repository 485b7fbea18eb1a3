import Testing

@testable import SeatActors

/// The 1.1 hall model on small halls, worked by hand: hall parts, filters, orphans=avoid, fallback=split, GA places,
/// blocked and reserved seats.
struct VenueTests {
    /// A hall from CREATE HALL's tokens.
    func venue(_ text: String) throws -> Hall {
        let (rows, parts) = try Hall.parse(text.split(separator: " "))
        return try Hall(id: "h", specs: rows, parts: parts)
    }

    /// A driver over a hall with parts; `taken` seats are sold first (one booking each).
    func driver(_ text: String, sold taken: String = "", avoidsOrphans: Bool = false) throws -> Driver {
        let config = try SessionConfig(id: "s", hallID: "h", avoidsOrphans: avoidsOrphans)
        var driver = Driver(state: SessionState(handle: 1, config: config, hall: try self.venue(text)))
        for seat in taken.split(separator: " ") {
            let held = try driver.hold(String(seat))
            _ = try driver.confirm(held.holdID)
        }
        return driver
    }

    func hold(
        _ driver: inout Driver, _ selection: SeatSelection, _ options: HoldOptions, customer: String = "c"
    )
        throws(SeatError) -> (seats: String, places: String)
    {
        guard
            case .held(let record) = try driver.state.decideHold(
                customer: customer, selection: selection, ttlSeconds: nil, key: nil, nowMs: driver.nowMs,
                options: options, newHoldID: { HoldID(raw: driver.ids.next() | 1) })
        else { fatalError("no new hold") }
        driver.commit(.held(record))
        return (
            names(driver.state.labels(record.seats)),
            driver.state.labels(record.places).map(\.description).joined(separator: " ")
        )
    }

    func map(_ driver: Driver) -> String { driver.state.mapRows().map(\.states).joined(separator: " ") }

    @Test func hallPartsParseAndComeBackNormalised() throws {
        let hall = try self.venue(
            "A=10 flag:wheelchair=A1,A10 cat:vip=A4-A7,pit B=1-4,7-10 ga:pit=12 flag:companion=A2")
        #expect(hall.seatCount == 18)
        #expect(hall.capacity == 30)
        #expect(
            hall.partTexts == [
                "A=10", "B=1-4,7-10", "ga:pit=12", "cat:vip=A4-A7,pit", "flag:wheelchair=A1,A10",
                "flag:companion=A2",
            ])
        #expect(hall.areas.map(\.name) == ["pit"])
        #expect(hall.areas[0].category == 0)
        // A range spans the row's seats between its ends; aisles are skipped.
        let aisle = try self.venue("B=1-4,7-10 cat:mid=B3-B8")
        #expect(
            (0..<aisle.seatCount).filter { aisle.categories[0].mask[0] & (1 << UInt64($0)) != 0 }
                .map { aisle.label(of: $0).description } == ["B3", "B4", "B7", "B8"])
        // The normalised form builds the same hall.
        let again = try self.venue(hall.partTexts.joined(separator: " "))
        #expect(again.partTexts == hall.partTexts)
        // A hall of GA areas only.
        let festival = try self.venue("ga:field=5000 ga:vip-deck=200")
        #expect(festival.seatCount == 0 && festival.capacity == 5_200)
    }

    @Test(arguments: [
        "A=10 foo:x=1", "A=10 cat:vip=B1", "A=10 cat:vip=A1-A11", "A=10 cat:a=A1-A5 cat:b=A5", "A=10 ga:pit=0",
        "A=10 ga:pit=1000001", "A=10 ga:Pit=5", "A=10 ga:pit=5 ga:pit=6", "A=10 ga:pit=5 cat:a=pit cat:b=pit",
        "A=10 ga:pit=5 flag:x=pit", "A=10 cat:vip=nope", "A=10 cat:vip=A5-A2", "A=10 cat:vip=A1-B2", "cat:a=A1",
        "A=10 cat:vip=A1 cat:vip=A2", "A=10 cat:vip=", "A=10 ga:=5",
    ])
    func badPartsAreRefusedByName(text: String) throws {
        #expect(throws: SeatError.self) { try self.venue(text) }
    }

    /// Row `A=8`. With A1 and A8 sold (`x......x`) the centre pair A4-A5 leaves no orphan and stays. With A1 and A7
    /// sold (`x.....x.`; A8 is an orphan already), A4-A5 would leave A6 alone, so BEST moves to A5-A6; without
    /// orphans=avoid it takes A4-A5.
    @Test func orphansAvoidMovesTheBlockOnlyWhenItWouldLeaveASingleSeat() throws {
        var first = try self.driver("A=8", sold: "A1 A8")
        #expect(try self.hold(&first, .best(2), HoldOptions(avoidOrphans: true)).seats == "A4 A5")
        var second = try self.driver("A=8", sold: "A1 A7")
        #expect(try self.hold(&second, .best(2), HoldOptions(avoidOrphans: true)).seats == "A5 A6")
        #expect(self.map(second) == "x...hhx.")
        var plain = try self.driver("A=8", sold: "A1 A7")
        #expect(try self.hold(&plain, .best(2), HoldOptions()).seats == "A4 A5")
        // The session's default, and a HOLD that overrides it.
        var byDefault = try self.driver("A=8", sold: "A1 A7", avoidsOrphans: true)
        #expect(try self.hold(&byDefault, .best(2), HoldOptions()).seats == "A5 A6")
        var overridden = try self.driver("A=8", sold: "A1 A7", avoidsOrphans: true)
        #expect(try self.hold(&overridden, .best(2), HoldOptions(avoidOrphans: false)).seats == "A4 A5")
        // When every block leaves an orphan (`x...x`: three seats, BEST 2), the v1 rule decides.
        var forced = try self.driver("A=5", sold: "A1 A5")
        #expect(try self.hold(&forced, .best(2), HoldOptions(avoidOrphans: true)).seats == "A2 A3")
        // Rows farther out are searched when the middle row has no block without orphans: B's centre would orphan
        // B3 (`xx...x`), B4-B5 would orphan B3 too, B3-B4 leaves B5 alone; A and C have clean blocks.
        var rows = try self.driver("A=6 B=6 C=6", sold: "B1 B2 B6")
        #expect(try self.hold(&rows, .best(2), HoldOptions(avoidOrphans: true)).seats == "A3 A4")
    }

    /// Row `A=6` with A3 sold (`..x...`), BEST 4: no block of 4. The largest block is 3 (A4-A6), taken first; then
    /// the best block of 1 among A1, A2 is A2, nearer the centre.
    @Test func fallbackSplitTakesTheLargestBlocksFirst() throws {
        var split = try self.driver("A=6", sold: "A3")
        #expect(try self.hold(&split, .best(4), HoldOptions(split: true)).seats == "A2 A4 A5 A6")
        #expect(self.map(split) == ".hxhhh")
        var v1 = try self.driver("A=6", sold: "A3")
        #expect(throws: SeatError.noAdjacent(4)) { try self.hold(&v1, .best(4), HoldOptions()) }
        // A block that exists is taken whole, as without the option.
        var whole = try self.driver("A=6 B=6", sold: "A3")
        #expect(try self.hold(&whole, .best(4), HoldOptions(split: true)).seats == "B2 B3 B4 B5")
        var short = try self.driver("A=3", sold: "A2")
        #expect(throws: SeatError.soldOut(requested: 3, free: 2)) {
            try self.hold(&short, .best(3), HoldOptions(split: true))
        }
    }

    @Test func categoriesFlagsAndChannelsNarrowOrWidenTheSearch() throws {
        let text = "A=6 B=6 C=6 cat:vip=B3-B4 flag:wc=A1,C6 ga:pit=2"
        var driver = try self.driver(text)
        #expect(try self.hold(&driver, .best(2), HoldOptions(category: "vip")).seats == "B3 B4")
        #expect(throws: SeatError.soldOut(requested: 1, free: 0)) {
            try self.hold(&driver, .best(1), HoldOptions(category: "vip"))
        }
        #expect(try self.hold(&driver, .any(2), HoldOptions(flag: "wc")).seats == "A1 C6")
        #expect(throws: SeatError.badRequest("no category gold in hall h")) {
            try self.hold(&driver, .best(1), HoldOptions(category: "gold"))
        }
        // Reserved seats: nobody's but their channel's.
        driver.commit(try driver.state.decideReserve(seats("B1 B2"), channel: "box"))
        driver.commit(try driver.state.decideBlock(seats("B5 B6"), block: true))
        #expect(self.map(driver) == "h..... rrhhbb .....h")
        #expect(throws: SeatError.taken(seats("B1"))) { try self.hold(&driver, .explicit(seats("B1")), HoldOptions()) }
        #expect(throws: SeatError.taken(seats("B5"))) {
            try self.hold(&driver, .explicit(seats("B5")), HoldOptions(channel: "box"))
        }
        // channel= widens the search; it does not prefer the channel's seats (A3-A4 is nearer the centre).
        #expect(try self.hold(&driver, .best(2), HoldOptions(channel: "box")).seats == "A3 A4")
        #expect(try self.hold(&driver, .explicit(seats("B1 B2")), HoldOptions(channel: "box")).seats == "B1 B2")
        let counts = driver.state.counts
        #expect(counts == SeatCounts(free: 10, held: 8, sold: 0, blocked: 2, reserved: 0, setAside: true))
        #expect(counts.free + counts.held + counts.sold + counts.blocked + counts.reserved == 20)
        #expect(
            try driver.state.counts(of: .category("vip"))
                == SeatCounts(free: 0, held: 2, sold: 0, blocked: 0, reserved: 0, setAside: true))
    }

    @Test func gaPlacesAreHeldSoldCancelledAndCountedLikeSeats() throws {
        let config = try SessionConfig(id: "s", hallID: "h", customerSeatsMax: 6)
        var driver = Driver(
            state: SessionState(
                handle: 1, config: config, hall: try self.venue("A=4 ga:pit=5 ga:deck=2 cat:standing=pit")))
        let held = try self.hold(
            &driver, .explicit(seats("A2")), HoldOptions(places: [AreaPlaces(area: "pit", count: 3)]))
        #expect(held.seats == "A2" && held.places == "pit:3")
        #expect(driver.state.mapAreas() == ["pit:2/5", "deck:2/2"])
        #expect(throws: SeatError.areasSoldOut(["pit", "deck"])) {
            try self.hold(
                &driver, .explicit([]),
                HoldOptions(places: [AreaPlaces(area: "deck", count: 3), AreaPlaces(area: "pit", count: 3)]),
                customer: "d")
        }
        // Taken seats are named before short areas; unknown areas with unknown seats.
        #expect(throws: SeatError.taken(seats("A2"))) {
            try self.hold(
                &driver, .explicit(seats("A2")), HoldOptions(places: [AreaPlaces(area: "pit", count: 5)]), customer: "d"
            )
        }
        #expect(throws: SeatError.noSuchSeat(seats("B1"), areas: ["moon"])) {
            try self.hold(&driver, .explicit(seats("B1")), HoldOptions(places: [AreaPlaces(area: "moon", count: 1)]))
        }
        // The customer's limit of 6 counts the 4 they have.
        #expect(throws: SeatError.limit("customer c has 4 of at most 6 seats")) {
            try self.hold(
                &driver, .explicit([]),
                HoldOptions(places: [AreaPlaces(area: "deck", count: 2), AreaPlaces(area: "pit", count: 1)]))
        }
        let id = driver.state.holds.keys.first!
        _ = try driver.confirm(id)
        #expect(driver.state.list(customer: "c").map(\.places) == [[AreaPlaces(area: "pit", count: 3)]])
        // A CONFIRM sent again answers with the places too (the crash loop found it answering without them).
        #expect(
            try driver.state.decideConfirm(id, ref: nil, nowMs: driver.nowMs)
                == .repeated(HoldSeats(holdID: id, seats: seats("A2"), places: [AreaPlaces(area: "pit", count: 3)])))
        #expect(driver.state.counts == SeatCounts(free: 7, held: 0, sold: 4))
        #expect(try driver.state.counts(of: .category("standing")) == SeatCounts(free: 2, held: 0, sold: 3))
        #expect(try driver.state.counts(of: .area("deck")) == SeatCounts(free: 2, held: 0, sold: 0))
        let change = try driver.state.decideCancel(
            id, seats: nil, places: [AreaPlaces(area: "pit", count: 1)], nowMs: driver.nowMs)
        #expect(change == .cancelled(id, seats: [], places: [PlaceCount(area: 0, count: 1)]))
        driver.commit(change.change)
        #expect(driver.state.holds[id]!.places == [PlaceCount(area: 0, count: 2)])
        #expect(driver.state.mapAreas() == ["pit:3/5", "deck:2/2"])
        #expect(throws: SeatError.self) {
            try driver.state.decideCancel(
                id, seats: nil, places: [AreaPlaces(area: "pit", count: 3)], nowMs: driver.nowMs)
        }
        driver.commit(try driver.state.decideCancel(id, seats: nil, nowMs: driver.nowMs).change)
        #expect(driver.state.holds.isEmpty && driver.state.counts == SeatCounts(free: 11, held: 0, sold: 0))
    }

    @Test func blockingHeldSeatsIsRefusedWhole() throws {
        var driver = try self.driver("A=4", sold: "A2")
        #expect(throws: SeatError.taken(seats("A2"))) { try driver.state.decideBlock(seats("A1 A2"), block: true) }
        #expect(throws: SeatError.taken(seats("A2"))) { try driver.state.decideReserve(seats("A2 A3"), channel: "x") }
        #expect(throws: SeatError.noSuchSeat(seats("A9"))) { try driver.state.decideBlock(seats("A9"), block: false) }
        // A reserved seat blocked stays reserved under the block.
        driver.commit(try driver.state.decideReserve(seats("A3"), channel: "x"))
        driver.commit(try driver.state.decideBlock(seats("A3"), block: true))
        #expect(self.map(driver) == ".xb.")
        driver.commit(try driver.state.decideBlock(seats("A3"), block: false))
        #expect(self.map(driver) == ".xr.")
        driver.commit(try driver.state.decideReserve(seats("A3"), channel: nil))
        #expect(self.map(driver) == ".x..")
        #expect(!driver.state.seats.hasSetAside)
    }
}
