import Testing

@testable import SeatActors

/// Goal: every operation and every error of the session rules, on the pure state. Method: a `Driver` that
/// decides and applies like the actor, with time passed in by hand.
struct SessionStateTests {
    @Test func holdTakesSeatsAndRepliesInHallOrder() throws {
        var driver = try Driver("A=5 B=5")
        let reply = try driver.hold("B2 A3 A1")
        #expect(names(reply.seats) == "A1 A3 B2")
        #expect(reply.expiresAtMs == driver.nowMs + 900_000)
        #expect(driver.map == "A:h.h.. B:.h...")
        #expect(driver.state.counts == SeatCounts(free: 7, held: 3, sold: 0))
    }

    @Test func holdIsAllOrNothingAndTakenNamesEverySeat() throws {
        var driver = try Driver("A=5 B=5")
        try driver.hold("A2 B3")
        try driver.hold("A4")
        #expect(error { try driver.hold("B3 A1 A4 A2") } == .taken(seats("A2 A4 B3")))
        #expect(driver.map == "A:.h.h. B:..h..")
    }

    @Test func holdChecksSeatsThenLimitThenTaken() throws {
        var driver = try Driver("A=5", limit: 2)
        try driver.hold("A1", customer: "x")
        #expect(error { try driver.hold("A1 A9 A7") } == .noSuchSeat(seats("A9 A7")))
        #expect(error { try driver.hold("A1 A2 A3") }.map { if case .limit = $0 { true } else { false } } == true)
        #expect(error { try driver.hold("A1 A2") } == .taken(seats("A1")))
    }

    @Test func holdRejectsTheSameSeatTwice() throws {
        var driver = try Driver("A=5")
        #expect(error { try driver.hold("A1 A2 A1") } == .badRequest("seat A1 is named twice"))
    }

    @Test func customerLimitCountsHeldAndSoldSeats() throws {
        var driver = try Driver("A=9", limit: 3)
        let first = try driver.hold("A1 A2")
        _ = try driver.confirm(first.holdID)
        #expect(error { try driver.hold("A3 A4") }.map { if case .limit = $0 { true } else { false } } == true)
        try driver.hold("A3")
        try driver.hold("A4 A5", customer: "other")
        try driver.cancel(first.holdID, "A1")
        try driver.hold("A6")
    }

    @Test func holdTtlBeyondMaxTtlOrTooManySeatsIsLimit() throws {
        var driver = try Driver("A=200", ttl: 60, maxTTL: 120)
        #expect(
            error { try driver.hold(.explicit(seats("A1")), ttl: 121) }
                == .limit(
                    "ttl 121 is beyond the session's maxttl 120"))
        let many = (1...101).map { SeatLabel(row: "A", number: $0) }
        #expect(error { try driver.hold(.explicit(many)) } == .limit("at most 100 seats per hold"))
        #expect(error { try driver.hold(.best(101)) } == .limit("at most 100 seats per hold"))
        let reply = try driver.hold(.explicit(seats("A1")), ttl: 120)
        #expect(reply.expiresAtMs == driver.nowMs + 120_000)
    }

    @Test func confirmSellsAndRepeatsItsReply() throws {
        var driver = try Driver("A=5")
        let hold = try driver.hold("A2 A3")
        let first = try driver.confirm(hold.holdID)
        #expect(names(first.seats) == "A2 A3")
        #expect(driver.map == "A:.xx..")
        let lsn = driver.lsn
        #expect(try driver.confirm(hold.holdID) == first)
        #expect(driver.lsn == lsn)
        #expect(driver.state.confirmsTotal == 1)
    }

    @Test func releaseFreesAndForgets() throws {
        var driver = try Driver("A=5")
        let hold = try driver.hold("A2")
        try driver.release(hold.holdID)
        #expect(driver.map == "A:.....")
        #expect(error { try driver.release(hold.holdID) } == .noSuchHold("\(hold.holdID)"))
        #expect(error { try driver.confirm(hold.holdID) } == .noSuchHold("\(hold.holdID)"))
    }

    @Test func releaseOfABookingIsNotHeld() throws {
        var driver = try Driver("A=5")
        let hold = try driver.hold("A2")
        _ = try driver.confirm(hold.holdID)
        #expect(error { try driver.release(hold.holdID) }.map { if case .notHeld = $0 { true } else { false } } == true)
    }

    @Test func cancelWholeOrSomeSeats() throws {
        var driver = try Driver("A=5")
        let hold = try driver.hold("A1 A2 A3")
        #expect(error { try driver.cancel(hold.holdID) }.map { if case .notHeld = $0 { true } else { false } } == true)
        _ = try driver.confirm(hold.holdID)
        try driver.cancel(hold.holdID, "A2")
        #expect(driver.map == "A:x.x..")
        #expect(error { try driver.cancel(hold.holdID, "A2") } == .notHeld("not in booking \(hold.holdID): A2"))
        #expect(error { try driver.cancel(hold.holdID, "A9") } == .noSuchSeat(seats("A9")))
        #expect(error { try driver.cancel(hold.holdID, "A1 A1") } == .badRequest("seat A1 is named twice"))
        #expect(names(try driver.confirm(hold.holdID).seats) == "A1 A3")
        try driver.cancel(hold.holdID)
        #expect(driver.map == "A:.....")
        #expect(error { try driver.confirm(hold.holdID) } == .noSuchHold("\(hold.holdID)"))
    }

    @Test func extendMovesExpiryWithinMaxTtl() throws {
        var driver = try Driver("A=5", ttl: 60, maxTTL: 300)
        let hold = try driver.hold("A1")
        driver.advance(seconds: 50)
        try driver.extend(hold.holdID, ttl: 200)
        #expect(driver.state.holds[hold.holdID]!.expiresAtMs == driver.nowMs + 200_000)
        #expect(
            error { try driver.extend(hold.holdID, ttl: 251) }.map {
                if case .limit = $0 { true } else { false }
            } == true)
        try driver.extend(hold.holdID, ttl: 250)
        _ = try driver.confirm(hold.holdID)
        #expect(error { try driver.extend(hold.holdID, ttl: 10) } == .notHeld("hold \(hold.holdID) is confirmed"))
        #expect(error { try driver.extend(HoldID(raw: 7), ttl: 10) } == .noSuchHold("0000000000000007"))
    }

    @Test func lapsedHoldsAnswerExpiredAndFreeTheirSeats() throws {
        var driver = try Driver("A=5", ttl: 60)
        let hold = try driver.hold("A1")
        driver.advance(seconds: 59)
        #expect(driver.map == "A:h....")
        driver.advance(seconds: 1)
        #expect(driver.map == "A:.....")
        #expect(error { try driver.confirm(hold.holdID) } == .expired("\(hold.holdID)"))
        #expect(error { try driver.extend(hold.holdID, ttl: 10) } == .expired("\(hold.holdID)"))
        #expect(error { try driver.release(hold.holdID) } == .expired("\(hold.holdID)"))
    }

    @Test func aLapsedHoldIsRefusedEvenBeforeItsExpiryIsApplied() throws {
        var driver = try Driver("A=5", ttl: 60)
        let hold = try driver.hold("A1")
        driver.nowMs += 60_000
        #expect(error { try driver.confirm(hold.holdID) } == .expired("\(hold.holdID)"))
    }

    @Test func idempotencyKeyRepeatsTheFirstReplyWhateverTheArguments() throws {
        var driver = try Driver("A=5")
        let first = try driver.hold(.explicit(seats("A1")), key: "k1")
        driver.advance(seconds: 10)
        #expect(try driver.hold(.best(3), customer: "other", key: "k1") == first)
        try driver.release(first.holdID)
        #expect(try driver.hold(.explicit(seats("A4")), key: "k1") == first)
        #expect(driver.map == "A:.....")
    }

    @Test func aFailedHoldLeavesNoKeyBehind() throws {
        var driver = try Driver("A=5")
        try driver.hold("A1")
        #expect(error { try driver.hold(.explicit(seats("A1")), key: "k") } == .taken(seats("A1")))
        let second = try driver.hold(.explicit(seats("A2")), key: "k")
        #expect(names(second.seats) == "A2")
    }

    @Test func soldOutAndNoAdjacent() throws {
        var driver = try Driver("A=3 B=3")
        try driver.hold("A2 B2")
        #expect(error { try driver.hold(.best(5)) } == .soldOut(requested: 5, free: 4))
        #expect(error { try driver.hold(.any(5)) } == .soldOut(requested: 5, free: 4))
        #expect(error { try driver.hold(.best(2)) } == .noAdjacent(2))
        #expect(names(try driver.hold(.any(4)).seats) == "A1 A3 B1 B3")
    }

    @Test func holdIDsAreFreshAndSixteenHexDigits() throws {
        var driver = try Driver("A=50")
        var seen = Set<HoldID>()
        for number in 1...50 {
            let reply = try driver.hold(.explicit([SeatLabel(row: "A", number: number)]))
            #expect(seen.insert(reply.holdID).inserted)
            #expect(reply.holdID.description.count == 16)
            #expect(HoldID(reply.holdID.description[...]) == reply.holdID)
        }
    }

    @Test func listShowsACustomersHoldsOldestFirst() throws {
        var driver = try Driver("A=9")
        let a = try driver.hold("A5 A1", customer: "ann")
        try driver.hold("A2", customer: "bob")
        let b = try driver.hold("A7", customer: "ann")
        _ = try driver.confirm(b.holdID)
        let list = driver.state.list(customer: "ann")
        #expect(list.map(\.holdID) == [a.holdID, b.holdID])
        #expect(list.map(\.isSold) == [false, true])
        #expect(names(list[0].seats) == "A1 A5")
        #expect(driver.state.list(customer: "nobody").isEmpty)
    }

    @Test func sessionConfigRejectsBadTtls() {
        #expect(throws: SeatError.self) { try SessionConfig(id: "s", hallID: "h", ttlSeconds: 0) }
        #expect(throws: SeatError.self) { try SessionConfig(id: "s", hallID: "h", ttlSeconds: 100, maxTTLSeconds: 99) }
        #expect(throws: SeatError.self) { try SessionConfig(id: "s", hallID: "h", customerSeatsMax: 0) }
    }
}
