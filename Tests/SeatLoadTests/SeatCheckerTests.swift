import Testing

@testable import SeatLoad

/// Goal: the seat checker accepts every history a correct server can produce, including concurrent ones that
/// only one order explains, and rejects the histories of broken servers: a lost acknowledged change, a seat sold
/// twice, a stale read, a TAKEN for a free seat, a reply no server gives, a reused hold id. Method: histories
/// written by hand on a hall of one row of four seats, with explicit times.
@Suite struct SeatCheckerTests {
    let checker = SeatChecker(layout: SeatChecker.Layout(rows: [(label: "A", count: 4)]))

    /// An operation of `client` from `start` to `end` (arbitrary units).
    static func op(
        _ client: Int, _ start: UInt64, _ end: UInt64, _ request: SeatChecker.Request, _ reply: String,
        retried: Bool = false
    ) -> SeatChecker.Operation {
        SeatChecker.Operation(
            client: client, session: "s", request: request, start: start, end: end, reply: reply,
            retried: retried)
    }

    static func hold(_ seats: String, key: String = "k") -> SeatChecker.Request {
        .hold(customer: "c", seats: seats.split(separator: " ").map(String.init), key: key)
    }

    func check(_ operations: [SeatChecker.Operation]) -> String? {
        self.checker.check(session: "s", operations)?.message
    }

    @Test func aSequentialHistoryOfACorrectServerIsExplained() {
        #expect(
            self.check([
                Self.op(1, 0, 1, Self.hold("A1 A2"), "OK h1 100 A1 A2"),
                Self.op(1, 2, 3, .confirm(hold: "h1"), "OK h1 A1 A2"),
                Self.op(1, 4, 5, .confirm(hold: "h1"), "OK h1 A1 A2"),
                Self.op(2, 6, 7, Self.hold("A2 A3", key: "k2"), "ERR TAKEN A2"),
                Self.op(2, 8, 9, .best(customer: "d", count: 2, key: "k3"), "OK h2 100 A3 A4"),
                Self.op(2, 10, 11, .release(hold: "h2"), "OK h2"),
                Self.op(1, 12, 13, .release(hold: "h1"), "ERR NOT_HELD h1 is sold"),
                Self.op(1, 14, 15, .cancel(hold: "h1"), "OK h1 A1 A2"),
                Self.op(1, 16, 17, .map, "OK A:...."),
                Self.op(1, 18, 19, .confirm(hold: "h1"), "ERR NO_SUCH_HOLD no hold h1"),
            ]) == nil)
    }

    @Test func anAcknowledgedConfirmMissingFromALaterMapIsCaught() {
        // The confirm was answered OK, then a map (after a restart) shows the seats held, not sold.
        let message = self.check([
            Self.op(1, 0, 1, Self.hold("A1 A2"), "OK h1 100 A1 A2"),
            Self.op(1, 2, 3, .confirm(hold: "h1"), "OK h1 A1 A2"),
            Self.op(-1, 10, 11, .map, "OK A:hh.."),
        ])
        #expect(message?.contains("longest explained order has 2") == true, "\(message ?? "passed")")
        #expect(message?.contains("MAP s -> OK A:hh..") == true)
    }

    @Test func aSeatHeldTwiceWithoutAReleaseBetweenIsCaught() {
        #expect(
            self.check([
                Self.op(1, 0, 1, Self.hold("A1"), "OK h1 100 A1"),
                Self.op(2, 2, 3, Self.hold("A1 A2", key: "k2"), "OK h2 100 A1 A2"),
            ]) != nil)
        // Also when the two holds overlap in time: no order gives A1 to both.
        #expect(
            self.check([
                Self.op(1, 0, 10, Self.hold("A1"), "OK h1 100 A1"),
                Self.op(2, 1, 9, .best(customer: "d", count: 2, key: "k2"), "OK h2 100 A1 A2"),
            ]) != nil)
    }

    @Test func concurrentOperationsAreExplainedByTheOrderThatFits() {
        // Client 2's TAKEN started first but overlaps client 1's hold: the hold comes first.
        #expect(
            self.check([
                Self.op(2, 0, 10, Self.hold("A1", key: "k2"), "ERR TAKEN A1"),
                Self.op(1, 1, 5, Self.hold("A1 A2"), "OK h1 100 A1 A2"),
                // A map that overlaps the hold may see the hall before it.
                Self.op(3, 2, 8, .map, "OK A:...."),
            ]) == nil)
        // The same TAKEN, ended before the hold began: nothing held A1 then.
        #expect(
            self.check([
                Self.op(2, 0, 1, Self.hold("A1", key: "k2"), "ERR TAKEN A1"),
                Self.op(1, 2, 5, Self.hold("A1 A2"), "OK h1 100 A1 A2"),
            ]) != nil)
    }

    @Test func theSearchBacktracksThroughARelease() {
        // Tried in start order, the release comes first and the map that still sees the hold fails; the search
        // must undo the release (seats back to the hold) and put that map first.
        #expect(
            self.check([
                Self.op(1, 0, 1, Self.hold("A1"), "OK h1 100 A1"),
                Self.op(1, 2, 10, .release(hold: "h1"), "OK h1"),
                Self.op(2, 3, 9, .map, "OK A:...."),
                Self.op(3, 3, 9, .map, "OK A:h..."),
                Self.op(2, 11, 12, .map, "OK A:...."),
            ]) == nil)
    }

    @Test func aStaleReadIsCaught() {
        #expect(
            self.check([
                Self.op(1, 0, 1, Self.hold("A1"), "OK h1 100 A1"),
                Self.op(1, 2, 3, .release(hold: "h1"), "OK h1"),
                Self.op(2, 4, 5, .map, "OK A:h..."),
            ]) != nil)
    }

    @Test func aRetriedReleaseMayFindItsHoldGoneButAFreshOneMayNot() {
        let history = [
            Self.op(1, 0, 1, Self.hold("A1"), "OK h1 100 A1"),
            Self.op(1, 2, 9, .release(hold: "h1"), "ERR NO_SUCH_HOLD no hold h1", retried: true),
            Self.op(2, 10, 11, .map, "OK A:...."),
        ]
        #expect(self.check(history) == nil)
        var fresh = history
        fresh[1].retried = false
        #expect(self.check(fresh) != nil, "NO_SUCH_HOLD for a live hold nobody released")
    }

    @Test func bestAndSoldOutFollowTheFreeSeats() {
        // BEST must name adjacent free seats; SOLD_OUT needs fewer free seats than asked.
        #expect(self.check([Self.op(1, 0, 1, .best(customer: "c", count: 2, key: "k"), "OK h1 100 A1 A3")]) != nil)
        #expect(self.check([Self.op(1, 0, 1, .best(customer: "c", count: 2, key: "k"), "ERR SOLD_OUT 4 free")]) != nil)
        #expect(
            self.check([
                Self.op(1, 0, 1, Self.hold("A2 A4"), "OK h1 100 A2 A4"),
                Self.op(1, 2, 3, .best(customer: "c", count: 2, key: "k2"), "ERR NO_ADJACENT no 2 adjacent"),
                Self.op(1, 4, 5, .best(customer: "c", count: 3, key: "k3"), "ERR SOLD_OUT 2 free"),
            ]) == nil)
    }

    @Test func repliesNoServerGivesAndReusedIdsAreCaught() {
        let unexplained = self.check([
            Self.op(1, 0, 1, Self.hold("A1"), "OK h1 100 A1"),
            Self.op(1, 2, 3, .confirm(hold: "h1"), "ERR UNAVAILABLE the log cannot be written"),
        ])
        #expect(unexplained?.contains("no correct server answers CONFIRM s h1") == true, "\(unexplained ?? "passed")")
        let reused = self.check([
            Self.op(1, 0, 1, Self.hold("A1"), "OK h1 100 A1"),
            Self.op(1, 2, 3, .release(hold: "h1"), "OK h1"),
            Self.op(2, 4, 5, Self.hold("A2", key: "k2"), "OK h1 100 A2"),
        ])
        #expect(reused?.contains("hold id h1 was given to two holds") == true)
    }

    @Test func theSearchGivesUpAtItsBudgetAndSaysSo() {
        // Forty maps that all overlap and all disagree with the hold: every order fails, and there are many.
        var history = [Self.op(1, 0, 1_000, Self.hold("A1"), "OK h1 100 A1")]
        for index in 0..<40 {
            history.append(Self.op(2 + index, 1, 999, .map, index == 39 ? "OK A:x..." : "OK A:...."))
        }
        var small = self.checker
        small.budget = 100
        let message = small.check(session: "s", history)?.message
        #expect(message?.hasPrefix("inconclusive") == true, "\(message ?? "passed")")
    }
}
