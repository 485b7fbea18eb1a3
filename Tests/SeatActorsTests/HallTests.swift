import Testing

@testable import SeatActors

/// Goal: halls parse exactly the row-spec grammar, index every seat densely in hall order, and treat aisles as
/// breaks in adjacency. Method: tables of good and bad specs, and round trips of every seat's index.
struct HallTests {
    @Test(arguments: [
        ("A=20", "A=20", 20),
        ("B=1-10,13-22", "B=1-10,13-22", 20),
        ("AA=5-9", "AA=5-9", 5),
        ("ZZZ=9999", "ZZZ=9999", 9_999),
        ("C=1-1", "C=1", 1),
    ])
    func rowSpecParses(text: String, printed: String, count: Int) throws {
        let spec = try RowSpec(parsing: text[...])
        #expect(spec.description == printed)
        #expect(spec.seatCount == count)
    }

    @Test(arguments: [
        "A=0", "A=", "A", "=5", "a=5", "ABCD=5", "A=01", "A=10000", "A=5-3", "A=1-5,5-8", "A=6-8,1-3",
        "A=1-5,", "A=-5", "A=1--5", "A=x", "A=1-5,7", "A1=5",
    ])
    func rowSpecRejects(text: String) {
        #expect(throws: SeatError.self) { try RowSpec(parsing: text[...]) }
    }

    @Test func hallRejectsRepeatedRowsAndNoRows() {
        #expect(error { try hall("A=5 B=5 A=3") } == .badRequest("row A is listed twice"))
        #expect(throws: SeatError.self) { try Hall(id: "h", specs: []) }
    }

    @Test func hallRejectsTooManySeats() throws {
        let specs = (0..<11).map { RowSpec(label: String(UnicodeScalar(UInt8(65 + $0))), ranges: [1...9_999]) }
        #expect(throws: SeatError.self) { try Hall(id: "h", specs: specs) }
    }

    @Test func seatsIndexInHallOrderAndRoundTrip() throws {
        let hall = try hall("B=1-3,6-7 A=2-2")
        #expect(hall.capacity == 6)
        let order = (0..<hall.capacity).map { hall.label(of: $0).description }
        #expect(order == ["B1", "B2", "B3", "B6", "B7", "A2"])
        for index in 0..<hall.capacity { #expect(hall.index(of: hall.label(of: index)) == index) }
    }

    @Test(arguments: ["B4", "B5", "B8", "A1", "A3", "C1"])
    func seatsOutsideTheHallHaveNoIndex(seat: String) throws {
        #expect(try hall("B=1-3,6-7 A=2-2").index(of: SeatLabel(seat[...])!) == nil)
    }

    @Test func aislesSplitSegmentsButTouchingRangesDoNot() throws {
        let hall = try hall("A=1-2,4-5 B=1-2,3-4")
        #expect(hall.segments.map(\.seatCount) == [2, 2, 4])
    }

    @Test(arguments: [
        ("A1", true), ("AAA9999", true), ("A0", false), ("A01", false), ("a1", false),
        ("AAAA1", false), ("A10000", false), ("1", false), ("A", false), ("A1B", false),
    ])
    func seatLabelForm(text: String, valid: Bool) {
        #expect((SeatLabel(text[...]) != nil) == valid)
    }

    @Test(arguments: [
        ("abc", true), ("A-b_c.d:e", true), ("", false), ("a b", false), ("é", false),
        (String(repeating: "x", count: 64), true), (String(repeating: "x", count: 65), false),
    ])
    func identifierForm(text: String, valid: Bool) {
        #expect(Identifier.isValid(text) == valid)
    }
}
