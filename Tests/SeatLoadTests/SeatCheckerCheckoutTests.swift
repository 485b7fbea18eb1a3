import Testing

@testable import SeatLoad

/// Goal: the seat checker explains histories with ADD, RELEASE of items and SELL (a hold's items grow and shrink
/// in pieces; CONFIRM and CANCEL move every piece) and catches a server that loses an added seat or sells one
/// twice. Method: histories written by hand on one row of four seats, as `SeatCheckerTests` does.
struct SeatCheckerCheckoutTests {
    let checker = SeatChecker(layout: SeatChecker.Layout(rows: [(label: "A", count: 4)]))

    func check(_ operations: [SeatChecker.Operation]) -> String? {
        self.checker.check(session: "s", operations)?.message
    }

    static func op(
        _ client: Int, _ start: UInt64, _ end: UInt64, _ request: SeatChecker.Request, _ reply: String
    )
        -> SeatChecker.Operation
    {
        SeatCheckerTests.op(client, start, end, request, reply)
    }

    @Test func addReleaseOfItemsAndSellAreExplained() {
        #expect(
            self.check([
                Self.op(1, 0, 1, SeatCheckerTests.hold("A1"), "OK h1 100 A1"),
                Self.op(1, 2, 3, .add(hold: "h1", seats: ["A2"], places: 0, key: "a"), "OK h1 100 A1 A2"),
                Self.op(1, 4, 5, .add(hold: "h1", seats: ["A3"], places: 0, key: "b"), "OK h1 100 A1 A2 A3"),
                Self.op(1, 6, 7, .releaseItems(hold: "h1", seats: ["A2"], places: 0, key: "c"), "OK h1 A2"),
                Self.op(1, 8, 9, .map, "OK A:h.h."),
                Self.op(2, 10, 11, .sell(customer: "d", seats: ["A2"], key: "e"), "OK h2 A2"),
                Self.op(1, 12, 13, .confirm(hold: "h1", key: "f"), "OK h1 A1 A3"),
                Self.op(1, 14, 15, .map, "OK A:xxx."),
                Self.op(
                    1, 16, 17, .add(hold: "h1", seats: ["A4"], places: 0, key: "g"), "ERR NOT_HELD hold h1 is confirmed"
                ),
                Self.op(1, 18, 19, .cancel(hold: "h1", key: "h"), "OK h1 A1 A3"),
                Self.op(2, 20, 21, .cancel(hold: "h2", key: "i"), "OK h2 A2"),
                Self.op(1, 22, 23, .map, "OK A:...."),
            ]) == nil)
    }

    @Test func aConfirmThatForgetsAnAddedSeatIsCaught() {
        #expect(
            self.check([
                Self.op(1, 0, 1, SeatCheckerTests.hold("A1"), "OK h1 100 A1"),
                Self.op(1, 2, 3, .add(hold: "h1", seats: ["A2"], places: 0, key: "a"), "OK h1 100 A1 A2"),
                Self.op(1, 4, 5, .confirm(hold: "h1", key: "f"), "OK h1 A1"),
            ]) != nil)
    }

    @Test func aSeatSoldWhileAnotherHoldHasItIsCaught() {
        #expect(
            self.check([
                Self.op(1, 0, 1, SeatCheckerTests.hold("A1"), "OK h1 100 A1"),
                Self.op(1, 2, 3, .add(hold: "h1", seats: ["A2"], places: 0, key: "a"), "OK h1 100 A1 A2"),
                Self.op(2, 4, 5, .sell(customer: "d", seats: ["A2"], key: "e"), "OK h2 A2"),
            ]) != nil)
    }
}
