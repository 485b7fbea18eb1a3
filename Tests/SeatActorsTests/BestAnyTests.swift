import Testing

@testable import SeatActors

/// Goal: BEST and ANY choose exactly the seats the distance rule and its tie-breaks name. Method: examples worked
/// out by hand (the arithmetic is in each comment, scaled by 4: (2dr)² + (2dc)²).
struct BestAnyTests {
    // 5x9: rows A..E, the centre row is C (r=2); every row spans 1..9, so lo+hi = 10.

    @Test func bestOneIsTheCentreSeat() throws {
        var driver = try Driver("A=9 B=9 C=9 D=9 E=9")
        #expect(names(try driver.hold(.best(1)).seats) == "C5")  // 2dc = 2*5-10 = 0
    }

    @Test func bestTwoTiesGoToTheLowerFirstSeat() throws {
        var driver = try Driver("A=9 B=9 C=9 D=9 E=9")
        // C4-C5: 2dc = 9-10 = -1; C5-C6: 11-10 = 1; equal distance, lower first seat wins.
        #expect(names(try driver.hold(.best(2)).seats) == "C4 C5")
    }

    @Test func aNearerRowBeatsAFragmentedCentreRow() throws {
        var driver = try Driver("A=9 B=9 C=9 D=9 E=9")
        try driver.hold("C4 C5 C6")
        // C2-C3: 0 + (5-10)² = 25, C7-C8: 25; B4-B5: (2*1-4)² + (9-10)² = 4 + 1 = 5.
        #expect(names(try driver.hold(.best(2)).seats) == "B4 B5")
        // Next: D4-D5 is also 5 (B's block is gone; B's best left is B6-B7 = 4 + 9 = 13).
        #expect(names(try driver.hold(.best(2)).seats) == "D4 D5")
    }

    @Test func equalRowsTieToTheLowerRowIndex() throws {
        var driver = try Driver("A=9 B=9 C=9 D=9 E=9")
        try driver.hold("C1 C2 C3 C4 C5 C6 C7 C8 C9")
        #expect(names(try driver.hold(.best(3)).seats) == "B4 B5 B6")
        #expect(names(try driver.hold(.best(3)).seats) == "D4 D5 D6")
    }

    @Test func bestFillsAWholeRow() throws {
        var driver = try Driver("A=9 B=9 C=9 D=9 E=9")
        #expect(names(try driver.hold(.best(9)).seats) == "C1 C2 C3 C4 C5 C6 C7 C8 C9")
    }

    @Test func anyTakesTheNearestSeatsEachWithTieBreaks() throws {
        var driver = try Driver("A=9 B=9 C=9 D=9 E=9")
        // C5 = 0; then distance 4: B5 (row 1), C4, C6 (row 2), D5 (row 3): B5 then C4.
        #expect(names(try driver.hold(.any(3)).seats) == "B5 C4 C5")
        #expect(names(try driver.hold(.any(2)).seats) == "C6 D5")
    }

    // Aisles: A=1-3,6-8 B=1-8. R=2: both rows have (2dr)² = 1. Both rows span 1..8, lo+hi = 9.

    @Test func bestSkipsBlocksAcrossAnAisle() throws {
        var driver = try Driver("A=1-3,6-8 B=1-8")
        // A2-A3: 1 + (5-9)² = 17, A6-A7: 1 + 16 = 17; B4-B5: 1 + 0 = 1.
        #expect(names(try driver.hold(.best(2)).seats) == "B4 B5")
        // 3 seats: B1-B3 / B6-B8 and A1-A3 / A6-A8 all 1 + 25 = 26: lower row, lower seat.
        #expect(names(try driver.hold(.best(3)).seats) == "A1 A2 A3")
    }

    @Test func anAisleBreaksAdjacency() throws {
        var driver = try Driver("A=1-2,4-5")
        #expect(error { try driver.hold(.best(3)) } == .noAdjacent(3))
        #expect(names(try driver.hold(.best(2)).seats) == "A1 A2")
    }

    @Test func touchingRangesAreOneRun() throws {
        var driver = try Driver("A=1-2,3-4")
        #expect(names(try driver.hold(.best(4)).seats) == "A1 A2 A3 A4")
    }

    // Rows of different lengths: A=4 B=6 C=8. (2dr)²: A 4, B 0, C 4. lo+hi: A 5, B 7, C 9.

    @Test func rowsOfDifferentLengthsUseTheirOwnCentre() throws {
        var driver = try Driver("A=4 B=6 C=8")
        #expect(names(try driver.hold(.best(2)).seats) == "B3 B4")  // 7-7 = 0
        #expect(names(try driver.hold(.best(4)).seats) == "A1 A2 A3 A4")  // A: 4 + 0 = 4; B2..B5 gone; C3-C6: 4
        // Free: B1 B2 B5 B6 C1..C8. B2: 0 + (4-7)² = 9, B5: 9; C4: 4 + (8-9)² = 5, C5: 5: the lower seat.
        #expect(names(try driver.hold(.any(1)).seats) == "C4")
    }
}
